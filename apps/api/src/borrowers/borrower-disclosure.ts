import { Injectable } from '@nestjs/common';
import { PiiAccess } from '@lead-ledger/audit/export';
import { PiiVault } from '@lead-ledger/pii';
import type { FastifyRequest } from 'fastify';
import { hasScope, Principal } from '../auth/scopes';

/**
 * Who sees borrower contact details: only a caller whose API key has `pii:read` (or `admin`),
 * and then only what the key store can still open; an erased borrower reads as erased for everyone.
 */
@Injectable()
export class BorrowerDisclosure {
  constructor(private readonly vault: PiiVault) {}

  accessFor(request: FastifyRequest, options: { mask?: boolean } = {}): PiiAccess {
    const principal = (request as FastifyRequest & { principal?: Principal }).principal;
    return { reader: this.vault, canRead: hasScope(principal, 'pii:read'), mask: options.mask ?? false };
  }
}
