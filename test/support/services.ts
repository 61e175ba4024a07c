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

/**
 * EGRESS_ALLOW for tests: the simulators listen on loopback, which the egress guard refuses
 * unless the operator allows it (every runtime and child process the helpers start gets it).
 */
export const TEST_EGRESS_ALLOW = '127.0.0.1,::1';

/** OMNI_SECRET_KEY for runtimes on PostgreSQL (required there; 32 bytes as hex). */
export const TEST_SECRET_KEY = 'a1'.repeat(32);
