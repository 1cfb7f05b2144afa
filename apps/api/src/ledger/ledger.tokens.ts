/** Injection tokens. The ledger is the only source of truth; everything else is derived from it. */
export const LEDGER = Symbol('LEDGER');
export const APP_CONFIG = Symbol('APP_CONFIG');
