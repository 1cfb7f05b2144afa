import { LeadCreatedV1 } from '@lead-ledger/domain';
import { Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { Filter, ReadStore } from '@lead-ledger/read-models';
import { LeadDoc, leadsProjection } from '@lead-ledger/projections/leads/leads.projection';
import { LeadExportFilters } from './export-request';
import { createdInRange } from './export-rows';

/**
 * Where an export finds its leads. Both sources yield, in ledger order of creation, every lead
 * created at or before the snapshot position that *may* match the filters; the export then reads
 * each lead's stream, cuts it at the snapshot and checks the filters on exactly that, so both
 * give the same rows.
 */
export interface LeadCandidate {
  leadId: string;
}

/** The API's live leads read model (leads_v1), with a way to wait until it has caught up. */
export interface LeadsReadModel {
  store: ReadStore;
  /** Resolves once the store reflects every event up to `position` (the projector's waitFor). */
  waitFor(position: bigint): Promise<void>;
}

const SCAN_PAGE = 1000;

/**
 * A pass over the global log up to the snapshot, picking out LeadCreated events. Memory stays flat
 * whatever the ledger's size (one page at a time); the cost is reading every event once. For the
 * CLI, which has no read models.
 */
export async function* candidatesFromLedger(ledger: Ledger, filters: LeadExportFilters, asOf: bigint): AsyncGenerator<LeadCandidate> {
  let after: bigint | undefined;
  for (;;) {
    // Only the ids are kept from a page, so the parsed events die young (they would otherwise
    // live, and be promoted, for as long as the output takes to drain this page's leads).
    const { leadIds, last, done } = leadsIn(await ledger.readAll({ after, maxCount: SCAN_PAGE }), filters, asOf);
    for (const leadId of leadIds) yield { leadId };
    if (done) return;
    after = last;
  }
}

function leadsIn(page: RecordedEvent[], filters: LeadExportFilters, asOf: bigint): { leadIds: string[]; last: bigint | undefined; done: boolean } {
  const leadIds: string[] = [];
  for (const event of page) {
    if (event.position > asOf) return { leadIds, last: undefined, done: true };
    if (event.type !== 'LeadCreated') continue;
    const created = event.data as unknown as LeadCreatedV1;
    if (createdInRange(created.createdAt, filters)) leadIds.push(created.leadId);
  }
  return { leadIds, last: page[page.length - 1]?.position, done: page.length === 0 };
}

/**
 * The leads read model's matches, as of the snapshot. The read model may already hold events
 * after the snapshot; a lead that matched at the snapshot and has changed since would be missed by
 * the filter query alone, so when the model is past the snapshot, the leads changed since
 * (lastPosition > snapshot, in the date range) are added as candidates too. The result is exact.
 *
 * The matching ids are held in memory (references to the store's own documents for the embedded
 * store); rows never are.
 */
export async function* candidatesFromReadModel(readModel: LeadsReadModel, filters: LeadExportFilters, asOf: bigint): AsyncGenerator<LeadCandidate> {
  await readModel.waitFor(asOf);
  const collection = readModel.store.collection<LeadDoc>(leadsProjection.collection);
  const range = createdAtRange(filters);
  const snapshot = Number(asOf);
  const matching = await collection.find({
    ...range,
    ...(filters.officerId !== null && { officerId: filters.officerId }),
    ...(filters.marketId !== null && { marketId: filters.marketId }),
    ...(filters.status !== null && { status: filters.status }),
  });
  // Read after the query: if the model was at the snapshot then, every document was as of it.
  const checkpoint = await readModel.store.checkpoint(leadsProjection.name);
  const changedSince = checkpoint !== null && checkpoint > asOf ? await collection.find({ ...range, lastPosition: { $gt: snapshot } }) : [];
  if (changedSince.length > 0) {
    const seen = new Set(matching.map((doc) => doc._id));
    for (const doc of changedSince) if (!seen.has(doc._id)) matching.push(doc);
  }
  const ordered = matching.filter((doc) => doc.createdPosition <= snapshot).sort((a, b) => a.createdPosition - b.createdPosition);
  matching.length = 0;
  for (const doc of ordered) yield { leadId: doc.leadId };
}

function createdAtRange(filters: LeadExportFilters): Filter {
  if (filters.from === null && filters.to === null) return {};
  return { createdAt: { ...(filters.from !== null && { $gte: filters.from }), ...(filters.to !== null && { $lt: filters.to }) } };
}
