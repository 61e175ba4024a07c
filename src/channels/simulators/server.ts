/**
 * The HTTP side every channel simulator shares: listening where it was asked (a free loopback port
 * by default, for tests) and the control endpoints for a simulator run in another process.
 */
import type { FastifyInstance } from 'fastify';
import type { FaultState, SimFaults } from './faults.ts';

export async function listenSim(
  app: FastifyInstance,
  options: { port?: number; host?: string },
): Promise<{ url: string; port: number }> {
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://${host}:${port}`, port };
}

export function serveFaultControl(app: FastifyInstance, faults: FaultState): void {
  app.put<{ Body: SimFaults }>('/_sim/faults', async (request) => {
    faults.set(request.body ?? {});
    return faults.current();
  });
}

/** `GET /_sim/sent` (the sends and attempts so far, with `extra` records) and `DELETE` (forget them). */
export function serveSentControl(
  app: FastifyInstance,
  sent: unknown[],
  attempts: unknown[],
  extra: Record<string, unknown> = {},
): void {
  app.get('/_sim/sent', async () => ({ count: sent.length, sent, attempts, ...extra }));
  app.delete('/_sim/sent', async () => {
    sent.length = 0;
    attempts.length = 0;
    return { ok: true };
  });
}
