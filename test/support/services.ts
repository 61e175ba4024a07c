/**
 * The real services tests may use. TEST_DATABASE_URL / TEST_REDIS_URL set: those tests are
 * mandatory and fail if the service is unreachable. Unset: they are skipped, and the global setup
 * says so in the output.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

export type Backend = 'pglite' | 'postgres';

/** Every database backend available in this run: PGlite always, PostgreSQL when configured. */
export const BACKENDS: Backend[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
