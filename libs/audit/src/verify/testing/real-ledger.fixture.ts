import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aLeadBody, startApp } from '../../../../../test/support/app-harness';

/**
 * A real embedded ledger, written by the real application over HTTP: two markets, three officers
 * with allocations, leads routed automatically (furthest behind pace), delivered and credited, a
 * manual override, a delivery failure with its automatic re-route, a repeat borrower, a refusal
 * (LeadUnroutable) and Merkle digests every 10 events. The app is stopped; the file is left for
 * the caller to copy and tamper with.
 */
export interface RealLedger {
  dir: string;
  path: string;
  /** Lead ids by role in the story. */
  leads: { delivered: string[]; credited: string; overridden: string; failedThenRerouted: string; repeatBorrower: string; unroutable: string };
  overrideOfficer: string;
}

export const MARKET = 'dfw';
export const EMPTY_MARKET = 'aus';
export const OFFICERS = ['lo-ana', 'lo-bo', 'lo-cy'] as const;

export async function buildRealLedger(): Promise<RealLedger> {
  const api = await startApp({ env: { CLOCK: 'manual', DIGEST_EVERY_EVENTS: '10' } });
  const ok = (status: number) => (res: { status: number }) => expect([status, status === 201 ? 200 : status]).toContain(res.status);
  let minute = 0;
  const tick = async () => {
    minute += 97;
    const now = new Date(Date.parse('2026-11-10T15:00:00.000Z') + minute * 60_000).toISOString();
    await api.http.put('/v1/admin/clock').send({ now }).expect(200);
  };
  try {
    await tick();
    await api.http.put(`/v1/markets/${MARKET}`).send({ name: 'Dallas-Fort Worth', states: ['TX'], seatCap: 5, timeZone: 'America/Chicago', dedupeWindowDays: 30 }).expect(ok(201));
    await api.http.put(`/v1/markets/${EMPTY_MARKET}`).send({ name: 'Austin', states: ['TX'], zipPrefixes: ['787'], seatCap: 5, timeZone: 'America/Chicago' }).expect(ok(201));
    for (const officerId of OFFICERS) {
      await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '1000001', licensedStates: ['TX'], active: true }).expect(ok(201));
    }
    await api.http.put(`/v1/officers/lo-ana/allocations/2026-11`).send({ marketId: MARKET, leads: 30 }).expect(ok(201));
    await api.http.put(`/v1/officers/lo-bo/allocations/2026-11`).send({ marketId: MARKET, leads: 60 }).expect(ok(201));
    await api.http.put(`/v1/officers/lo-cy/allocations/2026-11`).send({ marketId: MARKET, leads: 10, filters: { minLoanAmount: 200000 } }).expect(ok(201));

    let borrowerNo = 0;
    const newLead = async (overrides: Record<string, unknown> = {}) => {
      borrowerNo++;
      const borrower = { firstName: 'Sam', lastName: `Lee${borrowerNo}`, phone: `+1214555${String(1000 + borrowerNo)}`, email: `sam.${borrowerNo}@example.com` };
      const created = await api.http.post('/v1/leads').send(aLeadBody({ marketId: MARKET, borrower, ...overrides })).expect(201);
      const leadId = created.body.leadId as string;
      await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 70 + (borrowerNo % 20) }).expect(200);
      return leadId;
    };
    const route = async (leadId: string) => (await api.http.post(`/v1/leads/${leadId}/route`).send({}).expect(200)).body.officerId as string;
    const deliver = (leadId: string, officerId: string) => api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId, channel: 'crm' }).expect(200);

    const delivered: string[] = [];
    for (let i = 0; i < 8; i++) {
      await tick();
      const leadId = await newLead({ loan: { type: 'purchase', program: 'fha', amount: i % 3 === 0 ? 150000 : 350000 } });
      const officerId = await route(leadId);
      await deliver(leadId, officerId);
      delivered.push(leadId);
    }

    await tick();
    const credited = delivered[1];
    await api.http.post(`/v1/leads/${credited}/credit`).send({ reason: 'disconnected_number' }).expect(200);

    await tick();
    const overridden = await newLead();
    const overrideOfficer = 'lo-cy';
    await api.http.post(`/v1/leads/${overridden}/route`).send({ officerId: overrideOfficer, reason: 'borrower asked for Cy by name' }).expect(200);
    await deliver(overridden, overrideOfficer);

    await tick();
    const failedThenRerouted = await newLead();
    const first = await route(failedThenRerouted);
    await api.http.post(`/v1/leads/${failedThenRerouted}/delivery-failures`).send({ officerId: first, reason: 'webhook 500' }).expect(200);
    await tick();
    const second = await route(failedThenRerouted);
    await deliver(failedThenRerouted, second);

    // The same borrower again (same phone): goes to the officer who has them.
    await tick();
    const sameBorrower = { firstName: 'Sam', lastName: 'Lee3', phone: '+12145551003', email: 'other@example.com' };
    const repeat = await api.http.post('/v1/leads').send(aLeadBody({ marketId: MARKET, borrower: sameBorrower })).expect(201);
    const repeatBorrower = repeat.body.leadId as string;
    await api.http.post(`/v1/leads/${repeatBorrower}/score`).send({ score: 75 }).expect(200);
    await deliver(repeatBorrower, await route(repeatBorrower));

    // A market with no allocations: the automatic route is refused and recorded.
    await tick();
    const unroutable = (await api.http.post('/v1/leads').send(aLeadBody({ marketId: EMPTY_MARKET, property: { state: 'TX', zip: '78701' }, borrower: { firstName: 'Al', lastName: 'X', phone: '+15125550100', email: 'al@example.com' } })).expect(201)).body.leadId as string;
    await api.http.post(`/v1/leads/${unroutable}/score`).send({ score: 60 }).expect(200);
    await api.http.post(`/v1/leads/${unroutable}/route`).send({}).expect(422);

    for (let i = 0; i < 3; i++) {
      await tick();
      const leadId = await newLead();
      await deliver(leadId, await route(leadId));
      delivered.push(leadId);
    }
    await api.stop();
    return { dir: api.dataDir, path: api.ledgerPath, leads: { delivered, credited, overridden, failedThenRerouted, repeatBorrower, unroutable }, overrideOfficer };
  } catch (error) {
    await api.stop().catch(() => undefined);
    throw error;
  }
}

/** A copy of the ledger file (and its WAL, if any) in a fresh directory. */
export function copyLedger(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'verify-copy-'));
  const copy = join(dir, 'ledger.db');
  copyFileSync(path, copy);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
  return copy;
}
