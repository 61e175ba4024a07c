/**
 * Human handoff over the API (SPEC §7.6): take a conversation over, reply as a human, release it
 * to the bot, resolve it, and list the episodes. A dashboard user is recorded as the operator; an
 * API key acts as the `api` trigger with no operator.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type HandoffResult,
  handoffView,
  listHandoffs,
  release,
  resolve,
  sendOperatorMessage,
  takeOver,
} from '../../handoff/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { schema } from '../../storage/index.ts';
import { callerTenant, callerUserId } from '../auth.ts';

const byId = z.object({ id: z.uuid() });

function caller(request: FastifyRequest) {
  const operatorId = callerUserId(request);
  return {
    tenantId: callerTenant(request),
    operatorId,
    trigger: operatorId ? ('operator' as const) : ('api' as const),
  };
}

function resultView(conversationId: string, result: HandoffResult) {
  return {
    conversation_id: conversationId,
    controlled_by: result.controlledBy,
    changed: result.changed,
    handoff: result.handoff ? handoffView(result.handoff) : null,
  };
}

export function handoffRoutes(app: FastifyInstance, runtime: Runtime): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db } = runtime.database;
  const tags = ['handoff'];

  api.post(
    '/api/v1/conversations/:id/handoff',
    {
      schema: {
        tags,
        summary: 'Take the conversation over: the bot stops answering until it is released',
        params: byId,
        // A body is optional: a bare POST takes over without a reason.
        body: z.object({ reason: z.string().min(1).max(500).optional() }).nullish(),
      },
    },
    async (request) => {
      const who = caller(request);
      const result = await takeOver(db, {
        ...who,
        conversationId: request.params.id,
        reason: request.body?.reason,
      });
      return resultView(request.params.id, result);
    },
  );

  // Release and resolve need nothing but the conversation and who asks: one route shape for both.
  const conversationActions = [
    {
      path: '/api/v1/conversations/:id/release',
      summary: 'Give the conversation back to the bot (a marker of the human stretch is kept)',
      act: release,
    },
    {
      path: '/api/v1/conversations/:id/resolve',
      summary: "Resolve the conversation; the contact's next message opens a new one",
      act: resolve,
    },
  ];
  for (const { path, summary, act } of conversationActions) {
    api.post(path, { schema: { tags, summary, params: byId } }, async (request) => {
      const result = await act(db, { ...caller(request), conversationId: request.params.id });
      return resultView(request.params.id, result);
    });
  }

  api.post(
    '/api/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Reply as a human through the conversation channel (takes the conversation over)',
        params: byId,
        body: z.object({
          text: z.string().trim().min(1).max(4096),
          /** The caller's id for the reply: a repeat with the same id is not sent twice. */
          external_id: z.string().min(1).max(200).optional(),
        }),
      },
    },
    async (request, reply) => {
      const result = await sendOperatorMessage(
        { db, queue: runtime.pipeline.queue },
        {
          ...caller(request),
          conversationId: request.params.id,
          text: request.body.text,
          externalId: request.body.external_id,
          source: request.body.external_id ? 'api' : undefined,
        },
      );
      return reply
        .status(result.duplicate ? 200 : 202)
        .send({ message_id: result.messageId, status: 'queued', duplicate: result.duplicate });
    },
  );

  api.get(
    '/api/v1/handoffs',
    {
      schema: {
        tags,
        summary: 'Handoff episodes, newest first',
        querystring: z.object({
          status: z.enum(schema.HANDOFF_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
    },
    async (request) => {
      const rows = await listHandoffs(db, { tenantId: callerTenant(request), ...request.query });
      return { handoffs: rows.map(handoffView) };
    },
  );
}
