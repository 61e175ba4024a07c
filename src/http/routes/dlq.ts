/** Dead letters of the caller's tenant (SPEC §6.8): list and replay. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type DeadLetter,
  getDeadLetter,
  listDeadLetters,
  type Pipeline,
  replayDeadLetter,
} from '../../pipeline/index.ts';
import { callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

export function deadLetterView(letter: DeadLetter) {
  return {
    id: letter.id,
    stream: letter.queue,
    reason: letter.reason,
    attempts: letter.attempts,
    payload: letter.payload,
    errors: letter.errors,
    created_at: letter.createdAt.toISOString(),
    replayed_at: letter.replayedAt?.toISOString() ?? null,
  };
}

export function deadLetterRoutes(app: FastifyInstance, pipeline: Pipeline): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/dlq',
    { schema: { tags: ['dlq'], summary: 'Dead letters not yet replayed' } },
    async (request) => ({
      entries: (await listDeadLetters(pipeline.deps, { tenantId: callerTenant(request) })).map(
        deadLetterView,
      ),
    }),
  );
  api.post(
    '/api/v1/dlq/:id/replay',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['dlq'],
        summary: 'Put a dead letter’s work back on its stream',
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request) => {
      const letter = await getDeadLetter(pipeline.deps, request.params.id, callerTenant(request));
      if (!letter) throw new HttpError(404, 'not_found', `No dead letter "${request.params.id}".`);
      if (!(await replayDeadLetter(pipeline.deps, letter))) {
        throw new HttpError(409, 'conflict', 'This dead letter has been replayed already.');
      }
      return { replayed: true, id: letter.id };
    },
  );
}
