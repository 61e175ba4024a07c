/**
 * LISTEN for a PostgreSQL process: one connection of its own (outside the pool, which would hand
 * it to a query), shared by every channel the process listens on. When the server goes away the
 * connection is opened again with capped, jittered backoff and every channel is LISTENed again;
 * notifications sent meanwhile are lost, which costs freshness only (every listener also polls).
 */
import pg from 'pg';
import { type DependencyWatch, reconnectDelayMs } from './outages.ts';

type Handler = (payload: string) => void;

export interface PostgresListener {
  /** Calls `onNotify` with every payload NOTIFYed on `channel` until the returned function runs. */
  listen(channel: string, onNotify: Handler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const quoted = (channel: string) => `"${channel.replaceAll('"', '')}"`;

export function createPostgresListener(url: string, watch: DependencyWatch): PostgresListener {
  const handlers = new Map<string, Set<Handler>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void ensureConnected();
    }, reconnectDelayMs(++failures));
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    // Without a listener an 'error' event would end the process.
    next.on('error', (error) => {
      watch.failed(error);
      if (client === next) client = undefined;
      next.end().catch(() => {});
      scheduleReconnect();
    });
    const listened = new Set<string>();
    const listenAll = async () => {
      for (const channel of handlers.keys()) {
        if (listened.has(channel)) continue;
        listened.add(channel);
        await next.query(`listen ${quoted(channel)}`);
      }
    };
    try {
      await next.connect();
      await listenAll();
    } catch (error) {
      watch.failed(error);
      next.end().catch(() => {});
      scheduleReconnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    failures = 0;
    watch.succeeded();
    // Channels added while this connection was being opened.
    await listenAll().catch(() => {});
  };

  const ensureConnected = async () => {
    if (closed || client) return;
    connecting ??= connect().finally(() => {
      connecting = undefined;
    });
    await connecting;
  };

  return {
    async listen(channel, onNotify) {
      const known = handlers.get(channel);
      if (known) known.add(onNotify);
      else {
        handlers.set(channel, new Set([onNotify]));
        // A connection being opened LISTENs to it; a broken one reconnects and LISTENs again.
        if (client && !connecting) await client.query(`listen ${quoted(channel)}`).catch(() => {});
      }
      await ensureConnected();
      return async () => {
        const set = handlers.get(channel);
        set?.delete(onNotify);
        if (set && set.size === 0) {
          handlers.delete(channel);
          await client?.query(`unlisten ${quoted(channel)}`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
