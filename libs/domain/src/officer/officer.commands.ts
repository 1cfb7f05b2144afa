import { OfficerProfileV1 } from './officer.events';

/** Onboard an officer, or replace their profile: a PUT of the whole profile. */
export type SetOfficerProfile = {
  type: 'SetOfficerProfile';
  data: OfficerProfileV1;
  at: string;
};

export type OfficerCommand = SetOfficerProfile;
