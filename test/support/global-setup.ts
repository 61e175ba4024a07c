import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { writeTemplates } from './database-templates.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.ts';

/**
 * Says which real services this run uses, and fails at once if a configured one is unreachable;
 * makes the migrated PGlite templates test databases are copied from (removed at the end).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (TEST_DATABASE_URL) {
    const client = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      connectionTimeoutMillis: 5_000,
    });
    await client.connect().catch((error) => {
      throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${error.message}`);
    });
    const { rows } = await client.query('show server_version');
    await client.end();
    console.log(`[omni tests] PostgreSQL tests: running (server ${rows[0].server_version})`);
  } else {
    console.log('[omni tests] PostgreSQL tests: SKIPPED (TEST_DATABASE_URL is not set)');
  }
  if (TEST_REDIS_URL) {
    const redis = new Redis(TEST_REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await redis.connect().catch((error) => {
      throw new Error(`TEST_REDIS_URL is set but Redis is unreachable: ${error.message}`);
    });
    const info = await redis.info('server');
    redis.disconnect();
    console.log(
      `[omni tests] Redis tests: running (server ${/redis_version:(\S+)/.exec(info)?.[1]})`,
    );
  } else {
    console.log('[omni tests] Redis tests: SKIPPED (TEST_REDIS_URL is not set)');
  }
  const templates = await writeTemplates();
  project.provide('pgliteTemplate', templates.pgliteTemplate);
  project.provide('embeddedTemplate', templates.embeddedTemplate);
  return templates.remove;
}
