/**
 * `GET /health/llm` (SPEC §8): each LLM provider's configured/healthy/breaker state, 503 while a
 * configured provider is misconfigured or its circuit is open (the offline responder still answers).
 */
import type { FastifyInstance } from 'fastify';
import { httpStatusOf, runCheck } from '../../observability/index.ts';
import type { Runtime } from '../../runtime/index.ts';

export function llmHealthRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get('/health/llm', { schema: { hide: true } }, async (_request, reply) => {
    const check = runtime.healthChecks.find((c) => c.name === 'llm');
    if (!check) return reply.send({ status: 'ok', llm: 'not_configured' });
    const result = await runCheck(check);
    return reply.status(httpStatusOf(result.status)).send({
      ...result,
      status: result.status === 'up' ? 'ok' : 'down',
      llm: result.word ?? (result.status === 'up' ? 'connected' : 'disconnected'),
      timestamp: new Date().toISOString(),
    });
  });
}
