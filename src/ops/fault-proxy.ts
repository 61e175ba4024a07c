/**
 * A TCP proxy (used by `omni bench --chaos` and the outage tests) that can cut every connection and refuse new ones, then come back on the same port
 * ("the database went down and came back" without stopping the shared server other tests use),
 * or slow every packet down (a process caught in the middle of its work).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Transform } from 'node:stream';

export interface FaultyProxy {
  port: number;
  /** Drop every open connection and refuse new ones. */
  cut(): Promise<void>;
  /** Accept connections again, on the same port. */
  restore(): Promise<void>;
  /** Hold every chunk, both ways, this long before passing it on (0: none). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<FaultyProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let latencyMs = 0;
  // Order is kept: each chunk leaves no earlier than the one before it.
  const delayed = () => {
    let last = 0;
    return new Transform({
      transform(chunk, _encoding, done) {
        const due = Math.max(Date.now() + latencyMs, last);
        last = due;
        setTimeout(() => done(null, chunk), due - Date.now());
      },
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(delayed()).pipe(upstream).pipe(delayed()).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server?.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: stop,
  };
}
