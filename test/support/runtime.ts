import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { Responder } from '../../src/pipeline/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { pgliteTemplate } from './database-templates.ts';
import { createTestDatabase } from './postgres.ts';
import { echoResponder } from './responder.ts';
import { type Backend, TEST_EGRESS_ALLOW, TEST_REDIS_URL, TEST_SECRET_KEY } from './services.ts';

export interface TestRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * A runtime on a fresh database of the given backend (in-memory PGlite copied from the migrated
 * template, or a new PostgreSQL database migrated now), with logs silenced. `env` overrides
 * configuration as the variables would.
 */
export async function openTestRuntime(
  backend: Backend,
  env: Record<string, string> = {},
  options: { redis?: boolean | string; responder?: Responder } = {},
): Promise<TestRuntime> {
  const database = backend === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...(database ? { DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY } : {}),
    ...(typeof options.redis === 'string' ? { REDIS_URL: options.redis } : {}),
    ...(options.redis === true && TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...env,
  });
  const runtime = await openRuntime(config, {
    logger: createLogger('silent'),
    inMemory: true,
    initialData: database ? undefined : await pgliteTemplate(),
    responder: options.responder ?? echoResponder().responder,
  });
  return {
    runtime,
    close: async () => {
      await runtime.close();
      await database?.drop();
    },
  };
}
