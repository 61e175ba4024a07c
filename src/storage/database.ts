/**
 * Opens the database of the profile in force: PGlite in OMNI_DATA_DIR (embedded) or PostgreSQL
 * (DATABASE_URL). Callers get one Drizzle handle and never branch on which it is.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Logger } from 'pino';
import { withDeadline } from './deadline.ts';
import { initdbIfNew } from './embedded-initdb.ts';
import { lockDataDir } from './embedded-lock.ts';
import {
  type SharedDatabase,
  sharedDatabaseUrl,
  shareEmbeddedDatabase,
} from './embedded-server.ts';
import { StorageError } from './errors.ts';
import { createHoldLimit, type HoldLimit } from './hold-limit.ts';
import { createPostgresListener } from './listener.ts';
import {
  type MigrationResult,
  type MigrationStatus,
  migratePglite,
  migratePostgres,
  migrationStatus,
} from './migrate.ts';
import { type OutageCounters, watchDependency } from './outages.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Where the data lives, safe to print (no password). */
  target: string;
  /** Resolves when the database answers a query within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  migrate(): Promise<MigrationResult>;
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * Calls `onNotify` with the payload of every NOTIFY on `channel`, from any process, until the
   * returned function is called. Keeps listening across reconnects.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** PostgreSQL: how many outside calls this process may hold a row lock for at once (held-call.ts). */
  holds?: HoldLimit;
  /** PGlite only: the data folder as a tarball, which `initialData` opens copies of. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

/**
 * PGlite runs PostgreSQL's default shared_buffers (128 MB) inside its WASM heap, which never
 * shrinks: an idle embedded Omni measured 303 MB RSS for PGlite alone, 175 MB with 16 MB. One
 * process's working set fits, and the data files still sit in the OS page cache.
 */
const EMBEDDED_POSTGRESQL_CONF = 'shared_buffers=16MB';

export type DatabaseOptions =
  | {
      kind: 'pglite';
      dataDir?: string;
      /**
       * Without `dataDir`: the in-memory database starts as a copy of this data folder (a tarball
       * from PGlite's `dumpDataDir`, e.g. one already migrated) instead of running initdb. Tests
       * open hundreds of databases from one migrated template: initdb is most of an opening's cost.
       */
      initialData?: Blob;
      logger: Logger;
      /**
       * Long-running processes serve the database to local clients on this 127.0.0.1 port (0: any
       * free one). Without it (one-shot commands) nothing is served.
       */
      sharePort?: number;
    }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      logger: Logger;
      /** Where connection errors and outages are counted. */
      counters?: OutageCounters;
    };

export function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'pglite' ? openPglite(options) : openPostgres(options);
}

/**
 * `dataDir` undefined: an in-memory database (tests, `omni doctor` dry runs). A data folder held by
 * a running Omni is reached through the database that process shares (see embedded-server.ts).
 */
async function openPglite(
  options: Extract<DatabaseOptions, { kind: 'pglite' }>,
): Promise<Database> {
  const { dataDir, initialData, logger, sharePort } = options;
  if (dataDir && initialData) {
    throw new Error('initialData starts an in-memory database: it cannot be used with a dataDir');
  }
  let release: (() => Promise<void>) | undefined;
  let pgliteDir: string | undefined;
  if (dataDir) {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    try {
      release = await lockDataDir(dir);
    } catch (error) {
      if (!(error instanceof StorageError && error.code === 'embedded_locked')) throw error;
      // A second server (sharePort set) stays refused: one Omni serves an embedded folder.
      const url = sharePort === undefined ? await sharedDatabaseUrl(dir) : undefined;
      if (!url) throw error;
      // One connection: the running process's statements and ours take turns on one session.
      const shared = await openPostgres({ url, poolSize: 1, logger });
      return { ...shared, target: `the embedded database of the running Omni (${url})` };
    }
    pgliteDir = join(dir, 'pglite');
  }
  let client: PGlite | undefined;
  let shared: SharedDatabase | undefined;
  // Imported here, not at the top: a process on PostgreSQL (DATABASE_URL) never loads PGlite.
  const [{ PGlite }, { vector }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
    import('drizzle-orm/pglite'),
  ]);
  try {
    if (pgliteDir) await initdbIfNew(pgliteDir, EMBEDDED_POSTGRESQL_CONF);
    // pgvector for the knowledge base's vector ranker; created on first use (knowledge/embeddings.ts).
    client = await PGlite.create(pgliteDir, {
      extensions: { vector },
      postgresqlconf: EMBEDDED_POSTGRESQL_CONF,
      loadDataDir: initialData,
    });
    if (dataDir && sharePort !== undefined) {
      shared = await shareEmbeddedDatabase(client, resolve(dataDir), sharePort, logger);
      logger.info(
        { url: shared.url },
        `embedded database shared on 127.0.0.1 for the CLI and SQL: psql ${shared.url}`,
      );
    }
  } catch (error) {
    await client?.close().catch(() => {});
    await release?.();
    throw error;
  }
  const pglite = client;
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    target: pgliteDir ? `PGlite at ${pgliteDir}` : 'PGlite in memory',
    ping: async (timeoutMs) => {
      await withDeadline(pglite.query('select 1'), timeoutMs, 'the embedded database');
    },
    migrate: () => migratePglite(pglite, logger),
    migrationStatus: () => migrationStatus(pglite),
    listen: (channel, onNotify) => pglite.listen(channel, onNotify),
    // Uncompressed: opening a copy reads it at once, and gzip would cost more than it saves.
    dumpDataDir: () => pglite.dumpDataDir('none'),
    close: async () => {
      await shared?.stop();
      await pglite.close();
      await release?.();
    },
  };
}

async function openPostgres(options: {
  url: string;
  poolSize: number;
  logger: Logger;
  counters?: OutageCounters;
}): Promise<Database> {
  const { url, logger } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    // A dead server must fail fast (health checks, webhooks answering 503), not hang.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const watch = watchDependency('database', logger, options.counters);
  // Every client gets an error listener for its whole life. pg-pool listens only while a client
  // is idle or inside pool.query: a client checked out for a transaction whose server goes away
  // would otherwise emit 'error' with nobody listening, which ends the process. The query in
  // flight fails by itself and its caller handles that; here the outage is only noted.
  pool.on('connect', (client) => {
    client.on('error', (error) => watch.failed(error));
    watch.succeeded();
  });
  pool.on('error', (error) => watch.failed(error));
  const listener = createPostgresListener(
    url,
    watchDependency('database LISTEN connection', logger, options.counters),
  );
  const db = drizzlePostgres(pool, { schema }) as unknown as Db;
  const target = `PostgreSQL at ${safeTarget(url)}`;
  return {
    kind: 'postgres',
    db,
    target,
    // Half the pool at most: the calls held and the rest of the process need connections too.
    holds: createHoldLimit(Math.max(1, Math.floor(options.poolSize / 2))),
    ping: async (timeoutMs) => {
      try {
        await withDeadline(pool.query('select 1'), timeoutMs, 'PostgreSQL');
      } catch (error) {
        watch.failed(error);
        throw error;
      }
      watch.succeeded();
    },
    migrate: () => migratePostgres(url, target, logger),
    migrationStatus: () => migrationStatus(pool),
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
}

export function safeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
