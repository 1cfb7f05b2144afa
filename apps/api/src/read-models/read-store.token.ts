/** The read store the API queries: MemoryReadStore (embedded) or MongoReadStore behind aliases (MONGODB_URL). */
export const READ_STORE = Symbol('READ_STORE');
