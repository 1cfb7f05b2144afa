/**
 * What the benches send and append: the same lead every lifecycle, shaped like the real thing.
 * The create body is `aLeadBody()` from test/support/app-harness.ts (copied so the bench does not
 * load the test harness).
 */
import type { NewEvent } from '../libs/ledger/src/ledger.port';

export const LEAD_BODY = {
  source: { campaign: 'fb-nov', vendor: 'acme-leads' },
  borrower: { firstName: 'Sarah', lastName: 'Lee', phone: '+12145550123', email: 'sarah@example.com' },
  property: { state: 'TX', zip: '75201' },
  loan: { type: 'purchase', program: 'fha', amount: 350000 },
  creditTier: 'good',
  consent: { tcpa: true, capturedAt: '2026-11-01T15:04:05Z', text: 'I agree to be contacted.', ip: '203.0.113.7' },
};

/** Valid US exchanges (NXX) for generated phone numbers: 200-899, no N11 service codes. */
const EXCHANGES = Array.from({ length: 700 }, (_, i) => 200 + i).filter((nxx) => nxx % 100 !== 11);

/**
 * A distinct, valid borrower for the n-th lead. Every lead gets its own phone and email: real
 * traffic is many borrowers, and the API's repeat-borrower rule looks up earlier leads of the same
 * borrower, so one borrower for every lead would measure an ever-growing lookup instead.
 */
export function borrowerFor(n: number) {
  const exchange = EXCHANGES[Math.floor(n / 10_000) % EXCHANGES.length];
  const line = String(n % 10_000).padStart(4, '0');
  return { ...LEAD_BODY.borrower, phone: `+1214${exchange}${line}`, email: `lead-${n}@example.com` };
}

let borrowers = 0;
/** The create body for the next lead (`aLeadBody()` with a fresh borrower). */
export function nextCreateBody(): string {
  // Consent captured just now: routing refuses consent older than CONSENT_MAX_AGE_DAYS, whatever the real date.
  const consent = { ...LEAD_BODY.consent, capturedAt: new Date(Date.now() - 60_000).toISOString() };
  return JSON.stringify({ ...LEAD_BODY, borrower: borrowerFor(borrowers++), consent });
}

/** The officer every bench lead is routed to; the API must know it (see OFFICER_PROFILE). */
export const OFFICER_ID = 'lo-1';
/** PUT /v1/officers/lo-1: active and licensed where the bench leads are (TX). Sent once, before the load. */
export const OFFICER_PROFILE = { name: 'Bench Officer', nmlsId: '1000001', licensedStates: ['TX'], active: true };

/** One lifecycle over HTTP: create, score, route, deliver. The fixed bodies are serialised once. */
export const LIFECYCLE_STEPS = [
  { name: 'create', path: (_leadId: string) => '/v1/leads', body: nextCreateBody },
  { name: 'score', path: (leadId: string) => `/v1/leads/${leadId}/score`, body: constant({ score: 80 }) },
  { name: 'route', path: (leadId: string) => `/v1/leads/${leadId}/route`, body: constant({ officerId: OFFICER_ID, reason: 'bench' }) },
  { name: 'deliver', path: (leadId: string) => `/v1/leads/${leadId}/deliver`, body: constant({ officerId: OFFICER_ID, channel: 'webhook' }) },
] as const;

function constant(body: object): () => string {
  const json = JSON.stringify(body);
  return () => json;
}

export type StepName = (typeof LIFECYCLE_STEPS)[number]['name'];

const AT = '2026-11-01T15:04:05.000Z';

/**
 * The four events of one lead's lifecycle, shaped as the API appends them (same types, payload
 * fields and metadata), so the embedded-ledger numbers are for realistic rows, not toy ones.
 */
export function lifecycleEvents(leadId: string): NewEvent[] {
  const metadata = (n: number) => ({
    correlationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    causationId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    commandId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    requestHash: 'a3f1c2d4e5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071',
    actor: 'key:admin',
  });
  // Like the API's borrowerKeys: sha256 of the phone and of the email.
  const borrowerKeys = [`phone:${'3'.repeat(64)}`, `email:${'7'.repeat(64)}`];
  return [
    {
      type: 'LeadCreated',
      schemaVersion: 1,
      data: { leadId, marketId: null, ...LEAD_BODY, borrower: { ...LEAD_BODY.borrower }, borrowerKeys, createdAt: AT },
      recordedAt: AT,
      metadata: metadata(1),
    },
    { type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 80, reasons: [], scoredAt: AT }, recordedAt: AT, metadata: metadata(2) },
    {
      type: 'LeadRouted',
      schemaVersion: 1,
      data: {
        leadId,
        officerId: OFFICER_ID,
        marketId: null,
        decision: { rule: 'override', reason: 'bench', by: 'key:admin', at: AT },
        allocation: null,
        borrowerKeys,
        routedAt: AT,
      },
      recordedAt: AT,
      metadata: metadata(3),
    },
    {
      type: 'LeadDelivered',
      schemaVersion: 1,
      data: { leadId, officerId: OFFICER_ID, allocation: null, channel: 'webhook', deliveredAt: AT },
      recordedAt: AT,
      metadata: metadata(4),
    },
  ];
}

/** Average serialised size (data + metadata JSON) of one lifecycle event, for the report. */
export function averageEventBytes(): number {
  const events = lifecycleEvents('00000000-0000-4000-8000-000000000000');
  const total = events.reduce((sum, e) => sum + JSON.stringify(e.data).length + JSON.stringify(e.metadata).length, 0);
  return Math.round(total / events.length);
}
