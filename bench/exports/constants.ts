/**
 * V8's allocation-site pretenuring, once the app's start-up catch-up has trained it, sends every
 * event parsed afterwards straight to the old generation, where an export's garbage piles up until
 * the next full GC (see the report). The server and the rebuild are measured with and without it.
 */
export const NO_PRETENURING = '--no-allocation-site-pretenuring';
