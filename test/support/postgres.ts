import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from './services.ts';
import { type FaultyProxy, startProxy } from './tcp-proxy.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `omni_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ProxiedDatabase extends TestDatabase {
  /** The same database reached through `proxy`, which a test can cut and restore. */
  proxiedUrl: string;
  proxy: FaultyProxy;
}

/** A fresh database plus a fault-injecting proxy in front of it (for outage drills). */
export async function createProxiedTestDatabase(): Promise<ProxiedDatabase> {
  const database = await createTestDatabase();
  const direct = new URL(database.url);
  const proxy = await startProxy(direct.hostname, Number(direct.port || 5432));
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return {
    ...database,
    proxiedUrl: proxied.toString(),
    proxy,
    drop: async () => {
      await proxy.close();
      await database.drop();
    },
  };
}
