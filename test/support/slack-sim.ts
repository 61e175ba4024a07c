/**
 * A Slack incoming webhook over real HTTP (channel-formats §5): `200 ok` for a payload with
 * `text` or `blocks`, `400 no_text` otherwise; told to fail, it answers the given status (429 with
 * `Retry-After`) and records the attempt.
 */
import { createServer } from 'node:http';

export interface SlackPost {
  text?: string;
  blocks?: unknown[];
}

export interface SlackSim {
  url: string;
  /** Payloads accepted (answered 200). */
  posts: SlackPost[];
  /** Every request, failed ones included. */
  attempts: number;
  /** The next `times` requests answer `status` (with `Retry-After: retryAfter` when given). */
  failNext(times: number, status: number, retryAfter?: string): void;
  close(): Promise<void>;
}

export async function startSlackSim(): Promise<SlackSim> {
  const failures: Array<{ status: number; retryAfter?: string }> = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      sim.attempts++;
      const failure = failures.shift();
      if (failure) {
        response.writeHead(
          failure.status,
          failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
        );
        response.end(failure.status === 429 ? 'rate_limited' : 'rollup_error');
        return;
      }
      let body: SlackPost;
      try {
        body = JSON.parse(raw) as SlackPost;
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      if (!body.text && !body.blocks) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('no_text');
        return;
      }
      sim.posts.push(body);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sim: SlackSim = {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    posts: [],
    attempts: 0,
    failNext(times, status, retryAfter) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sim;
}
