/**
 * The running embedded Omni shares its database with other local processes: the `omni` commands
 * run beside it and `psql` for the runbooks' SQL. PGlite is one session inside one process, so
 * `@electric-sql/pglite-socket` speaks the PostgreSQL wire protocol for it on 127.0.0.1 only, and
 * the address goes into the data folder, where the CLI looks when it finds the folder locked.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';

/** The file in the data folder that holds the shared database's URL while Omni runs. */
export const SQL_ADDRESS_FILE = 'sql.url';

/**
 * A connection idle this long is closed. A psql session left inside BEGIN holds PGlite's only
 * session (the running process waits behind it), so this bounds how long it can do that.
 */
export const SHARED_IDLE_TIMEOUT_MS = 30_000;

/** Local clients at once: a few CLI commands and psql sessions; their statements take turns. */
const MAX_CONNECTIONS = 8;

export interface SharedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function shareEmbeddedDatabase(
  client: PGlite,
  dataDir: string,
  port: number,
  logger: Logger,
): Promise<SharedDatabase> {
  // Imported here: processes on PostgreSQL never load PGlite (see database.ts).
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const server = new PGLiteSocketServer({
    db: transactionGate(client),
    host: '127.0.0.1',
    port,
    maxConnections: MAX_CONNECTIONS,
    idleTimeout: SHARED_IDLE_TIMEOUT_MS,
  });
  server.addEventListener('error', (event) =>
    logger.debug({ error: String((event as CustomEvent).detail) }, 'shared database client error'),
  );
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const file = join(dataDir, SQL_ADDRESS_FILE);
  await writeFile(file, `${url}\n`, { mode: 0o600 });
  return {
    url,
    stop: async () => {
      await rm(file, { force: true });
      await server.stop();
    },
  };
}

/** The shared database's URL written by the process that holds `dataDir`, if it serves one. */
export async function sharedDatabaseUrl(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dataDir, SQL_ADDRESS_FILE), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * PGlite has one session. The socket server serialises its clients' statements (and keeps another
 * client out of a client's open transaction), but not against the process's own queries: those
 * take PGlite's transaction mutex, the socket's statements only the query mutex, so a worker's
 * statement could land inside a psql BEGIN … COMMIT, or psql's inside a worker's transaction.
 * This view of `client` makes each socket statement take the transaction mutex too, and keeps it
 * from a client's BEGIN to its COMMIT/ROLLBACK (or its disconnection, which rolls back).
 */
function transactionGate(client: PGlite): PGlite {
  let release: (() => void) | undefined;
  const hold = () =>
    new Promise<void>((held) => {
      void client._runExclusiveTransaction(
        () =>
          new Promise<void>((done) => {
            release = done;
            held();
          }),
      );
    });
  const letGo = () => {
    release?.();
    release = undefined;
  };
  const gated: Partial<PGlite> = {
    runExclusive: async <T>(fn: () => Promise<T>): Promise<T> => {
      if (!release) await hold();
      try {
        return await client.runExclusive(fn);
      } finally {
        if (!client.isInTransaction()) letGo();
      }
    },
    // The server asks whether one of *its* clients is inside a transaction; the process's own
    // transactions are invisible to it (they cannot be open while the gate is held).
    isInTransaction: () => release !== undefined && client.isInTransaction(),
    // Only called with ROLLBACK for a client that disconnected inside a transaction; the gate
    // holds the transaction mutex then, so this goes through the query mutex alone.
    exec: async (sql: string) => {
      await client.runExclusive(() => client.execProtocolRaw(simpleQuery(sql)));
      letGo();
      return [];
    },
  };
  return new Proxy(client, {
    get(target, property) {
      if (property in gated) return gated[property as keyof typeof gated];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A wire-protocol simple Query message ('Q', int32 length, the SQL, NUL). */
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'ascii');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}
