/**
 * The last `omni eval` run recorded for the caller's tenant (`GET /api/v1/evals/last`): the
 * dashboard overview shows its pass rate, regressions and failed cases. `run` is null before any.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { lastEvalRun } from '../../eval/index.ts';
import type { Db } from '../../storage/index.ts';
import { callerTenant } from '../auth.ts';

export function evalRoutes(app: FastifyInstance, db: Db): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/evals/last',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The last `omni eval` run recorded for this tenant (totals and failed cases)',
      },
    },
    async (request) => ({ run: await lastEvalRun(db, callerTenant(request)) }),
  );
}
