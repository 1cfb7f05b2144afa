import { BorrowerDisclosure } from './borrower-disclosure';
import { BorrowerErasure } from './borrower-erasure';
import { BorrowersController } from './borrowers.controller';
import { PII_VAULT_PROVIDER, PiiVaultLifecycle } from './pii-vault.provider';

export const BORROWER_PROVIDERS = [PII_VAULT_PROVIDER, PiiVaultLifecycle, BorrowerDisclosure, BorrowerErasure];
export const BORROWER_CONTROLLERS = [BorrowersController];
export { BorrowerDisclosure } from './borrower-disclosure';
