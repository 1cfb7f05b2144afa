import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { ReadDocument } from './read-store.port';

/**
 * A read model: one versioned collection, written by a pure evolve over (doc | null, event).
 * Rename the collection (allocation_pace_v2) to change a document's shape; never migrate in place.
 */
export interface Projection<Doc extends ReadDocument = ReadDocument> {
  /** The projection's name; also the key of its checkpoint. */
  name: string;
  collection: string;
  /** Field lists the collection's queries need. */
  indexes: string[][];
  /** The ids of the documents the event changes; empty for events this projection ignores. */
  documentsFor(event: RecordedEvent): string[];
  /** Pure. `_id` and `_position` are set by the projector. Return null to delete the document. */
  evolve(doc: Doc | null, event: RecordedEvent, id: string): Omit<Doc, '_id' | '_position'> | null;
}

export const positionOf = (doc: ReadDocument) => BigInt(doc._position);
