import { LeadCreatedV1, SealedBorrowerFields, SealedPii } from '@lead-ledger/domain';
import { maskIp, redactPii } from './redaction';

/** Opens sealed envelopes (libs/pii PiiVault), or says they are erased. */
export interface PiiReader {
  reveal(envelope: SealedPii): Promise<{ status: 'revealed'; value: SealedBorrowerFields } | { status: 'erased'; erasedAt: string | null }>;
}

/**
 * Who may see what: `reader` null (no key store at hand, e.g. the CLI without --pii) or
 * `canRead` false (an API key without `pii:read`) shows no contact details at all; `mask`
 * (redact=true) shows them masked.
 */
export interface PiiAccess {
  reader: PiiReader | null;
  canRead: boolean;
  mask: boolean;
}

/** The borrower's contact details as a view shows them. */
export type BorrowerPiiView =
  | { firstName: string; lastName: string; phone: string; email: string; consentIp?: string }
  /** The borrower was erased: the data key is destroyed, the ciphertext in the ledger is unreadable for good. */
  | { erased: true; erasedAt: string | null }
  /** The reader may not see contact details (no `pii:read`, or the CLI without --pii). */
  | { redacted: true };

export const NO_PII_ACCESS: PiiAccess = { reader: null, canRead: false, mask: true };

/**
 * A LeadCreated event as a view shows it: `data` (what the ledger holds, so its hash still
 * verifies; for a v1 event with plaintext, masked unless the reader may see it) and `pii`, the
 * contact details outside the hashed data. Null for any other event.
 */
export async function discloseLeadCreated(
  event: { type: string; schemaVersion: number; data: Record<string, unknown> },
  access: PiiAccess,
): Promise<{ data: Record<string, unknown>; pii: BorrowerPiiView } | null> {
  if (event.type !== 'LeadCreated') return null;
  const mayRead = access.canRead && access.reader !== null;
  if (event.schemaVersion >= 2) {
    // The envelope is ciphertext: only `mask` (an explicit redaction) touches data, and then only the borrower keys.
    const data = access.mask ? redactPii(event.data) : event.data;
    const sealed = event.data.sealedBorrower as SealedPii | undefined;
    if (!mayRead || !sealed) return { data, pii: { redacted: true } };
    const opened = await access.reader!.reveal(sealed);
    if (opened.status === 'erased') return { data, pii: { erased: true, erasedAt: opened.erasedAt } };
    return { data, pii: contactView(opened.value, access.mask) };
  }
  // v1 carries the borrower in plaintext: it cannot be erased, only kept out of sight.
  const v1 = event.data as unknown as LeadCreatedV1;
  if (!access.canRead) return { data: redactPii(event.data), pii: { redacted: true } };
  const contact = { ...v1.borrower, ...(v1.consent?.ip !== undefined && { consentIp: v1.consent.ip }) };
  return { data: access.mask ? redactPii(event.data) : event.data, pii: contactView(contact, access.mask) };
}

function contactView(contact: SealedBorrowerFields, mask: boolean): BorrowerPiiView {
  const { firstName, lastName, phone, email, consentIp } = contact;
  const view = { firstName, lastName, phone, email, ...(consentIp !== undefined && { consentIp }) };
  if (!mask) return view;
  return { ...redactPii(view), ...(consentIp !== undefined && { consentIp: maskIp(consentIp) }) };
}
