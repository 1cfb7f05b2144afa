import { fold, LeadEvent, leadDecider } from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';

/** A lead's state from its stream. Stored events are the decider's events plus ledger fields. */
export const foldLead = (history: RecordedEvent[]) => fold(leadDecider, history as unknown as LeadEvent[]);
