/**
 * The REST channel (SPEC §6.6) and message state: `POST /api/v1/messages` ingests like any
 * channel webhook — answered only after the message is committed — and `GET /api/v1/messages/{id}`
 * shows a message with its state history.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { messageStatus, type Pipeline } from '../../pipeline/index.ts';
import type { Db } from '../../storage/index.ts';
import { callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

export const REST_CHANNEL = 'api';

const ingestBody = z.object({
  contact: z.object({
    id: z.string().trim().min(1).max(200),
    name: z.string().trim().max(200).optional(),
    phone: z.string().trim().max(50).optional(),
    email: z.string().trim().max(320).optional(),
  }),
  text: z.string().min(1).max(10_000),
  external_id: z.string().trim().min(1).max(200).optional(),
});

const ingestAnswer = z.object({
  message_id: z.string(),
  conversation_id: z.string(),
  status: z.string(),
  duplicate: z.boolean(),
});

export function messageRoutes(app: FastifyInstance, db: Db, pipeline: Pipeline): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Send a message from a contact (REST channel); 202 once it is stored',
        body: ingestBody,
        response: { 200: ingestAnswer, 202: ingestAnswer },
      },
    },
    async (request, reply) => {
      const { contact, text, external_id } = request.body;
      const result = await pipeline.ingest({
        tenantId: callerTenant(request),
        channel: REST_CHANNEL,
        contact: {
          externalId: contact.id,
          name: contact.name,
          phone: contact.phone,
          email: contact.email,
        },
        externalId: external_id,
        text,
      });
      return reply.status(result.duplicate ? 200 : 202).send({
        message_id: result.messageId,
        conversation_id: result.conversationId,
        status: result.status,
        duplicate: result.duplicate,
      });
    },
  );

  api.get(
    '/api/v1/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'A message with its state history',
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request) => {
      const status = await messageStatus(db, request.params.id, callerTenant(request));
      if (!status) throw new HttpError(404, 'not_found', `No message "${request.params.id}".`);
      return status;
    },
  );
}
