/** Reference data and lead bodies shared by the reliability specs. */

export const MONTH = '2026-11';
/**
 * Near the month's end, expected pace is close to the whole allocation, so allocations fill up to
 * their size (the contention these tests are about) rather than stopping at "ahead of pace".
 */
export const NOW = '2026-11-28T12:00:00Z';
/** Consent an hour before the service's clock: fresh by any consent-age rule. */
export const CONSENT_AT = '2026-11-28T11:00:00Z';

export const marketBody = (name: string, states: string[], timeZone: string) => ({ name, states, seatCap: 50, timeZone });
export const officerBody = (name: string, licensedStates: string[]) => ({ name, nmlsId: '1234567', licensedStates, active: true });
export const allocationBody = (marketId: string, leads: number) => ({ marketId, leads, filters: { loanTypes: ['purchase', 'refinance'] } });

const AREA_CODES = ['214', '469', '972', '817', '305', '786'];

/** A valid, distinct borrower per n, so no lead is a repeat borrower of another. */
export function borrower(n: number, tag: string) {
  const area = AREA_CODES[n % AREA_CODES.length];
  const exchange = 200 + (Math.floor(n / 10_000) % 700);
  const line = String(n % 10_000).padStart(4, '0');
  return { firstName: 'Rel', lastName: `Borrower${n}`, phone: `+1${area}${exchange}${line}`, email: `${tag}-${n}@example.com` };
}

export function leadBody(n: number, tag: string, property: { state: string; zip: string }, extra: Record<string, unknown> = {}) {
  return {
    source: { campaign: `reliability-${tag}` },
    borrower: borrower(n, tag),
    property,
    loan: { type: n % 2 === 0 ? 'purchase' : 'refinance', program: 'conventional', amount: 200_000 + (n % 100) * 1_000 },
    creditTier: 'good',
    consent: { tcpa: true, capturedAt: CONSENT_AT, text: 'I agree to be contacted.' },
    ...extra,
  };
}
