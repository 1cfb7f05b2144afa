import { OfficerEvent, OfficerProfileV1 } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';

export type OfficerDoc = ReadDocument & OfficerProfileV1;

/** Officers by id: licence states and whether they take leads. */
export const officersProjection: Projection<OfficerDoc> = {
  name: 'officers_v1',
  collection: 'officers_v1',
  indexes: [],
  documentsFor: (event) => (event.type === 'OfficerOnboarded' || event.type === 'OfficerChanged' ? [String(event.data.officerId)] : []),
  evolve(_doc, recorded) {
    const event = recorded as unknown as OfficerEvent;
    const { onboardedAt: _onboarded, changedAt: _changed, ...profile } = event.data as OfficerProfileV1 & { onboardedAt?: string; changedAt?: string };
    return profile;
  },
};
