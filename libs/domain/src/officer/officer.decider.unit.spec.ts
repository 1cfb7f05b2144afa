import { randomUUID } from 'node:crypto';
import { givenWhenThen } from '../testing/given-when-then';
import { SetOfficerProfile } from './officer.commands';
import { officerDecider } from './officer.decider';
import { OfficerEvent, OfficerProfileV1 } from './officer.events';

const now = '2026-11-02T12:00:00.000Z';
const earlier = '2026-10-01T12:00:00.000Z';

describe('officer decider', () => {
  const given = givenWhenThen(officerDecider);
  let officerId: string;

  beforeEach(() => {
    officerId = `ada-${randomUUID().slice(0, 8)}`;
  });

  describe('SetOfficerProfile', () => {
    it('onboards an officer who does not exist yet, with onboardedAt = the command time', () => {
      given([])
        .when(aSetOfficerProfile())
        .then([{ type: 'OfficerOnboarded', schemaVersion: 1, data: { ...profile(), onboardedAt: now } }]);
    });

    it('records the whole new profile when any of it differs', () => {
      given([anOfficerOnboarded()])
        .when(aSetOfficerProfile({ active: false }))
        .then([{ type: 'OfficerChanged', schemaVersion: 1, data: { ...profile({ active: false }), changedAt: now } }]);
    });

    it('compares with the latest change, not the onboarding', () => {
      given([anOfficerOnboarded(), anOfficerChanged({ licensedStates: ['TX'] })])
        .when(aSetOfficerProfile({ licensedStates: ['TX'] }))
        .then([]);
    });

    it('records nothing when the profile is identical', () => {
      given([anOfficerOnboarded()]).when(aSetOfficerProfile()).then([]);
    });

    it('treats licensed states as a set: order and repeats are not a change', () => {
      given([anOfficerOnboarded()])
        .when(aSetOfficerProfile({ licensedStates: ['TX', 'OK', 'TX'] }))
        .then([]);
    });

    it('records licensed states sorted and without repeats', () => {
      given([])
        .when(aSetOfficerProfile({ licensedStates: ['TX', 'OK', 'OK'] }))
        .then([{ type: 'OfficerOnboarded', schemaVersion: 1, data: { ...profile({ licensedStates: ['OK', 'TX'] }), onboardedAt: now } }]);
    });
  });

  // ---- helpers ----

  function profile(overrides: Partial<OfficerProfileV1> = {}): OfficerProfileV1 {
    return { officerId, name: 'Ada Lovelace', nmlsId: '1000001', licensedStates: ['OK', 'TX'], active: true, ...overrides };
  }

  function aSetOfficerProfile(overrides: Partial<OfficerProfileV1> = {}): SetOfficerProfile {
    return { type: 'SetOfficerProfile', data: profile(overrides), at: now };
  }

  function anOfficerOnboarded(overrides: Partial<OfficerProfileV1> = {}): OfficerEvent {
    return { type: 'OfficerOnboarded', schemaVersion: 1, data: { ...profile(overrides), onboardedAt: earlier } };
  }

  function anOfficerChanged(overrides: Partial<OfficerProfileV1> = {}): OfficerEvent {
    return { type: 'OfficerChanged', schemaVersion: 1, data: { ...profile(overrides), changedAt: earlier } };
  }
});
