import { ruleViolated } from '../errors';
import { ConsentEvidence } from './lead.events';

/** A consent time a little ahead of our clock is clock skew at the capture site, not fraud. */
export const CONSENT_CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** Why consent evidence does not allow contacting the borrower now; also the `reason` in the 422's details. */
export type ConsentProblem = 'NOT_GIVEN' | 'MISSING' | 'IN_FUTURE' | 'EXPIRED';

export interface ConsentFinding {
  field: string;
  reason: ConsentProblem;
  message: string;
}

/**
 * The TCPA consent gate: a lead is contacted (routed) only on valid consent evidence: the flag is
 * true; the capture time is present and not in the future beyond clock skew; the consent text or
 * a certificate reference (e.g. a TrustedForm / Jornaya URL) is present; and the consent is at
 * most `maxAgeDays` old at `at`. Pure: the caller passes the time and the policy.
 */
export function consentFindings(consent: Pick<ConsentEvidence, 'tcpa' | 'capturedAt' | 'text' | 'certificateUrl'>, { at, maxAgeDays }: { at: string; maxAgeDays: number }): ConsentFinding[] {
  const findings: ConsentFinding[] = [];
  if (consent.tcpa !== true) findings.push({ field: 'consent.tcpa', reason: 'NOT_GIVEN', message: 'the borrower did not give TCPA consent' });
  const capturedAt = typeof consent.capturedAt === 'string' ? Date.parse(consent.capturedAt) : Number.NaN;
  const now = Date.parse(at);
  if (Number.isNaN(capturedAt)) {
    findings.push({ field: 'consent.capturedAt', reason: 'MISSING', message: 'the consent has no capture time' });
  } else if (capturedAt > now + CONSENT_CLOCK_SKEW_MS) {
    findings.push({ field: 'consent.capturedAt', reason: 'IN_FUTURE', message: `captured at ${consent.capturedAt}, after now (${at})` });
  } else if (now - capturedAt > maxAgeDays * DAY_MS) {
    findings.push({
      field: 'consent.capturedAt',
      reason: 'EXPIRED',
      message: `captured at ${consent.capturedAt}, more than ${maxAgeDays} days before now (${at})`,
    });
  }
  if (!consent.text?.trim() && !consent.certificateUrl?.trim()) {
    findings.push({ field: 'consent.text', reason: 'MISSING', message: 'neither the consent text nor a certificateUrl was recorded' });
  }
  return findings;
}

/** Throws 422 CONSENT_INVALID naming every failing field and its reason; nothing is appended. */
export function assertConsentValid(consent: Pick<ConsentEvidence, 'tcpa' | 'capturedAt' | 'text' | 'certificateUrl'>, policy: { at: string; maxAgeDays: number }): void {
  const findings = consentFindings(consent, policy);
  if (findings.length === 0) return;
  throw ruleViolated(
    'CONSENT_INVALID',
    `the lead's TCPA consent evidence does not allow contacting the borrower now: ${findings.map((f) => `${f.field} ${f.reason}`).join(', ')}`,
    findings.map(({ field, reason, message }) => ({ field, reason, message })),
  );
}
