/**
 * The HTTP side every channel simulator shares: listening where it was asked (a free loopback port
 * by default, for tests) and the `PUT /_sim/faults` control endpoint for a simulator run in another
 * process.
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
