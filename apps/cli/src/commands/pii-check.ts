import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { PiiVault } from '@lead-ledger/pii';
import { SealedPii } from '@lead-ledger/domain';

/** `lead-ledger verify --pii`: what became of every sealed borrower envelope in the ledger. Never prints contact details. */
export interface PiiEnvelopeReport {
  /** LeadCreated v2 events, each with one envelope. */
  sealed: number;
  /** Envelopes that open with the key store and master key. */
  readable: number;
  /** Envelopes whose data key was destroyed by an erasure. */
  erased: number;
  /** Envelopes that neither open nor are erased: a lost key store or master key, or an altered envelope. */
  unreadable: Array<{ leadId: string; position: string; reason: string }>;
  /** LeadCreated v1 events: plaintext, which no erasure can reach. */
  plaintextV1: number;
}

const PAGE = 1000;

export async function checkPiiEnvelopes(ledger: Ledger, vault: PiiVault): Promise<PiiEnvelopeReport> {
  const report: PiiEnvelopeReport = { sealed: 0, readable: 0, erased: 0, unreadable: [], plaintextV1: 0 };
  for (let after: bigint | undefined; ; ) {
    const page = await ledger.readAll({ after, maxCount: PAGE });
    if (page.length === 0) return report;
    for (const event of page) {
      if (event.type !== 'LeadCreated') continue;
      if (event.schemaVersion < 2) {
        report.plaintextV1 += 1;
        continue;
      }
      report.sealed += 1;
      try {
        const opened = await vault.reveal(event.data.sealedBorrower as unknown as SealedPii);
        if (opened.status === 'erased') report.erased += 1;
        else report.readable += 1;
      } catch (error) {
        report.unreadable.push({ leadId: String(event.data.leadId), position: event.position.toString(), reason: (error as Error).message });
      }
    }
    after = page[page.length - 1].position;
  }
}

export function formatPiiReport(report: PiiEnvelopeReport): string {
  const lines = [
    `Borrower PII envelopes ... ${report.unreadable.length === 0 ? 'ok' : 'UNREADABLE'} (${report.sealed} sealed: ${report.readable} readable, ${report.erased} erased, ${report.unreadable.length} unreadable; ${report.plaintextV1} v1 leads in plaintext)`,
    ...report.unreadable.slice(0, 20).map((item) => `  lead ${item.leadId} @${item.position}: ${item.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
