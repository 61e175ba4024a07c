/**
 * A tenant's outbound webhook, simulated over real HTTP: records every delivery and can be told to
 * fail (a status, a number of times, or always) — the far edge of the REST channel. Like a careful
 * real receiver it honours `Idempotency-Key`: a repeated key is answered 200 again but is not a
 * second delivery (a sender that timed out cannot know the first one arrived).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: { message_id: string; conversation_id: string; contact_id: string; text: string };
  raw: string;
}

export interface WebhookSim {
  url: string;
  /** Distinct deliveries, by idempotency key, in arrival order. */
  deliveries: Delivery[];
  /** Every request that reached the simulator, repeats included. */
  requests: number;
  /** The next `times` requests answer `status` (Infinity: until told otherwise). */
  failNext(times: number, status?: number, retryAfter?: string): void;
  /** Answer every request only after `ms` (a slow receiver; 0 restores). */
  delayResponses(ms: number): void;
  /** Called the moment a request has arrived, before it is answered (to act on the sender then). */
  onRequest(listener: () => void): void;
  close(): Promise<void>;
}

export async function startWebhookSim(): Promise<WebhookSim> {
  const deliveries: Delivery[] = [];
  let failures = 0;
  const sim: WebhookSim = {
    url: '',
    deliveries,
    requests: 0,
    failNext(times, status = 500, after) {
      failures = times;
      failStatus = status;
      retryAfter = after;
    },
    delayResponses(ms) {
      delayMs = ms;
    },
    onRequest(next) {
      listener = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  let failStatus = 500;
  let retryAfter: string | undefined;
  let delayMs = 0;
  let listener: (() => void) | undefined;
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', async () => {
      sim.requests++;
      listener?.();
      if (delayMs > 0) await sleep(delayMs);
      if (failures > 0) {
        failures--;
        response.writeHead(failStatus, retryAfter ? { 'retry-after': retryAfter } : {});
        response.end('simulated failure');
        return;
      }
      const key = String(request.headers['idempotency-key'] ?? '');
      let index = deliveries.findIndex((d) => d.headers['idempotency-key'] === key);
      if (index < 0)
        index = deliveries.push({ headers: request.headers, body: JSON.parse(raw), raw }) - 1;
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-message-id': `sim-${index + 1}`,
      });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  sim.url = `http://127.0.0.1:${port}/hook`;
  return sim;
}
