import { UsState } from '../lead/lead.vocabulary';

export interface OfficerProfileV1 {
  officerId: string;
  name: string;
  /** NMLS unique identifier of the loan officer. */
  nmlsId: string;
  licensedStates: UsState[];
  active: boolean;
}

export type OfficerEvent =
  | { type: 'OfficerOnboarded'; schemaVersion: 1; data: OfficerProfileV1 & { onboardedAt: string } }
  | { type: 'OfficerChanged'; schemaVersion: 1; data: OfficerProfileV1 & { changedAt: string } };
