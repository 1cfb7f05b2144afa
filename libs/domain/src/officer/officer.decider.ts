import { Decider } from '../decider';
import { OfficerCommand, SetOfficerProfile } from './officer.commands';
import { OfficerEvent, OfficerProfileV1 } from './officer.events';

export interface OfficerState {
  /** The profile in force, or null before the officer is onboarded. */
  profile: OfficerProfileV1 | null;
}

export const initialOfficerState: OfficerState = { profile: null };

export function evolveOfficer(_state: OfficerState, event: OfficerEvent): OfficerState {
  switch (event.type) {
    case 'OfficerOnboarded': {
      const { onboardedAt: _onboardedAt, ...profile } = event.data;
      return { profile };
    }
    case 'OfficerChanged': {
      const { changedAt: _changedAt, ...profile } = event.data;
      return { profile };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideOfficer(command: OfficerCommand, state: OfficerState): OfficerEvent[] {
  switch (command.type) {
    case 'SetOfficerProfile':
      return setOfficerProfile(command, state);
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export const officerDecider: Decider<OfficerCommand, OfficerEvent, OfficerState> = {
  initialState: initialOfficerState,
  evolve: evolveOfficer,
  decide: decideOfficer,
};

/** A PUT is idempotent: the same profile again records nothing. */
function setOfficerProfile({ data, at }: SetOfficerProfile, state: OfficerState): OfficerEvent[] {
  const profile = canonicalProfile(data);
  if (state.profile === null) return [{ type: 'OfficerOnboarded', schemaVersion: 1, data: { ...profile, onboardedAt: at } }];
  if (sameProfile(state.profile, profile)) return [];
  return [{ type: 'OfficerChanged', schemaVersion: 1, data: { ...profile, changedAt: at } }];
}

/** Licensed states are a set: their order never makes a change. */
function canonicalProfile(data: OfficerProfileV1): OfficerProfileV1 {
  return {
    officerId: data.officerId,
    name: data.name,
    nmlsId: data.nmlsId,
    licensedStates: [...new Set(data.licensedStates)].sort(),
    active: data.active,
  };
}

function sameProfile(a: OfficerProfileV1, b: OfficerProfileV1): boolean {
  return JSON.stringify(canonicalProfile(a)) === JSON.stringify(canonicalProfile(b));
}
