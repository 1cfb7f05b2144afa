import { randomUUID } from 'node:crypto';
import { givenWhenThen } from '../testing/given-when-then';
import { RouteLeadAutomatically, RouteLeadToOfficer } from './lead.commands';
import { leadDecider } from './lead.decider';
import { ConsentEvidence, LeadEvent } from './lead.events';

const now = '2026-11-22T15:00:00.000Z';
const MINUTE = 60_000;
const DAY = 86_400_000;
const marketId = 'dfw';
const month = '2026-11';

describe('the TCPA consent gate at routing', () => {
  const given = givenWhenThen(leadDecider);
  let leadId: string;

  beforeEach(() => {
    leadId = randomUUID();
  });

  describe('valid evidence', () => {
    it.each([
      ['captured a minute ago with its text', { capturedAt: plus(-MINUTE), text: 'I agree to be contacted.' }],
      ['captured exactly 30 days ago', { capturedAt: plus(-30 * DAY), text: 'I agree.' }],
      ['with a certificate reference and no text', { capturedAt: plus(-DAY), certificateUrl: 'https://cert.example.com/abc' }],
      ['captured 5 minutes ahead (clock skew at the capture site)', { capturedAt: plus(5 * MINUTE), text: 'I agree.' }],
    ])('given consent %s, when an operator overrides, then the lead is routed', (_, consent) => {
      given(aScoredLead(consent))
        .when(anOverride())
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: 'lo-ana',
              marketId,
              decision: { rule: 'override', reason: 'asked for Ana', by: 'key:ops', at: now },
              allocation: { officerId: 'lo-ana', month, marketId },
              borrowerKeys: KEYS,
              routedAt: now,
            },
          },
        ]);
    });
  });

  describe('invalid evidence: 422 CONSENT_INVALID naming the field and the reason, nothing appended', () => {
    it('given consent older than the maximum age at routing time, then both an automatic route and an override are refused', () => {
      const expected = {
        kind: 'rule' as const,
        code: 'CONSENT_INVALID',
        details: [
          {
            field: 'consent.capturedAt',
            reason: 'EXPIRED',
            message: `captured at ${plus(-30 * DAY - 1)}, more than 30 days before now (${now})`,
          },
        ],
      };
      given(aScoredLead({ capturedAt: plus(-30 * DAY - 1), text: 'I agree.' })).when(anAutomaticRoute()).thenThrows(expected);
      given(aScoredLead({ capturedAt: plus(-30 * DAY - 1), text: 'I agree.' })).when(anOverride()).thenThrows(expected);
    });

    it('given the same consent, when the configured maximum age is longer, then it is valid: the policy comes in with the command', () => {
      given(aScoredLead({ capturedAt: plus(-45 * DAY), text: 'I agree.' }))
        .when({ ...anOverride(), consentMaxAgeDays: 60 })
        .then([expect.objectContaining({ type: 'LeadRouted' }) as unknown as LeadEvent]);
      given(aScoredLead({ capturedAt: plus(-45 * DAY), text: 'I agree.' }))
        .when({ ...anOverride(), consentMaxAgeDays: 44 })
        .thenThrows({ kind: 'rule', code: 'CONSENT_INVALID' });
    });

    it('given consent captured after now beyond the clock skew, then it is refused as IN_FUTURE', () => {
      given(aScoredLead({ capturedAt: plus(5 * MINUTE + 1), text: 'I agree.' }))
        .when(anOverride())
        .thenThrows({
          kind: 'rule',
          code: 'CONSENT_INVALID',
          details: [{ field: 'consent.capturedAt', reason: 'IN_FUTURE', message: `captured at ${plus(5 * MINUTE + 1)}, after now (${now})` }],
        });
    });

    it('given neither consent text nor a certificate reference, then it is refused naming consent.text', () => {
      given(aScoredLead({ capturedAt: plus(-MINUTE), text: '   ' }))
        .when(anAutomaticRoute())
        .thenThrows({
          kind: 'rule',
          code: 'CONSENT_INVALID',
          details: [{ field: 'consent.text', reason: 'MISSING', message: 'neither the consent text nor a certificateUrl was recorded' }],
        });
    });

    it('given an old ledger whose lead has consent false and no time (recorded before the create check existed), then every problem is named', () => {
      given(aScoredLead({ tcpa: false, capturedAt: undefined }))
        .when(anOverride())
        .thenThrows({
          kind: 'rule',
          code: 'CONSENT_INVALID',
          details: [
            { field: 'consent.tcpa', reason: 'NOT_GIVEN', message: 'the borrower did not give TCPA consent' },
            { field: 'consent.capturedAt', reason: 'MISSING', message: 'the consent has no capture time' },
            { field: 'consent.text', reason: 'MISSING', message: 'neither the consent text nor a certificateUrl was recorded' },
          ],
        });
    });

    it('given an unscored lead with invalid consent, then the lifecycle refusal comes first (the gate judges routable leads)', () => {
      const [created] = aScoredLead({ capturedAt: plus(-60 * DAY), text: 'I agree.' });
      given([created]).when(anOverride()).thenThrows({ kind: 'rule', code: 'LEAD_NOT_SCORED' });
    });
  });

  // ---- builders ----

  function plus(ms: number): string {
    return new Date(Date.parse(now) + ms).toISOString();
  }

  function aScoredLead(consent: Partial<ConsentEvidence>): LeadEvent[] {
    const borrowerRef = '7a'.repeat(16);
    return [
      {
        type: 'LeadCreated',
        schemaVersion: 2,
        data: {
          leadId,
          marketId,
          source: { campaign: 'fb-nov' },
          sealedBorrower: { alg: 'A256GCM', keyId: 'dk_consent', borrowerRef, iv: 'aXYxMjM0NTY3ODkw', ciphertext: 'c2VhbGVk', tag: 'dGFnMTIzNDU2Nzg5MDEyMw==' },
          borrowerRef,
          property: { state: 'TX', zip: '75201' },
          loan: { type: 'purchase', amount: 300_000 },
          creditTier: 'good',
          consent: { tcpa: true, ...consent } as ConsentEvidence,
          borrowerKeys: KEYS,
          createdAt: plus(-2 * MINUTE),
        },
      },
      { type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 70, reasons: [], scoredAt: plus(-MINUTE) } },
    ];
  }

  function anOverride(): RouteLeadToOfficer {
    return {
      type: 'RouteLeadToOfficer',
      data: { leadId, officerId: 'lo-ana', reason: 'asked for Ana', by: 'key:ops' },
      officer: { active: true, licensedStates: ['TX'] },
      marketId,
      allocation: { officerId: 'lo-ana', month, marketId },
      repeatBorrower: null,
      consentMaxAgeDays: 30,
      at: now,
    };
  }

  function anAutomaticRoute(): RouteLeadAutomatically {
    return {
      type: 'RouteLeadAutomatically',
      data: { leadId },
      routing: { marketId, month, paceTolerance: null, allocations: [], repeatBorrower: null },
      consentMaxAgeDays: 30,
      at: now,
    };
  }
});

const KEYS = [`phone:${'1f'.repeat(32)}`, `email:${'2e'.repeat(32)}`];
