/** Conversations of the caller's tenant, and their messages (SPEC §6.8). */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { latestHandoffSummary, releaseCountsOf, releaseNote } from '../../handoff/index.ts';
import { attachmentsOf } from '../../media/index.ts';
import type { Db } from '../../storage/index.ts';
import { schema } from '../../storage/index.ts';
import { callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { attachmentView } from './media.ts';

const listQuery = z.object({
  status: z.enum(schema.CONVERSATION_STATUSES).optional(),
  controlled_by: z.enum(schema.CONTROLLERS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

function conversationView(row: typeof schema.conversations.$inferSelect) {
  return {
    id: row.id,
    contact_id: row.contactId,
    channel: row.channel,
    status: row.status,
    controlled_by: row.controlledBy,
    assignee_id: row.assigneeId,
    last_message_at: row.lastMessageAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export function conversationRoutes(app: FastifyInstance, db: Db): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const byId = z.object({ id: z.uuid() });

  async function ownConversation(tenantId: string, id: string) {
    const [row] = await db
      .select()
      .from(schema.conversations)
      .where(and(eq(schema.conversations.id, id), eq(schema.conversations.tenantId, tenantId)));
    if (!row) throw new HttpError(404, 'not_found', `No conversation "${id}".`);
    return row;
  }

  api.get(
    '/api/v1/conversations',
    { schema: { tags: ['conversations'], summary: 'List conversations', querystring: listQuery } },
    async (request) => {
      const { status, controlled_by, limit } = request.query;
      const rows = await db
        .select()
        .from(schema.conversations)
        .where(
          and(
            eq(schema.conversations.tenantId, callerTenant(request)),
            status ? eq(schema.conversations.status, status) : undefined,
            controlled_by ? eq(schema.conversations.controlledBy, controlled_by) : undefined,
          ),
        )
        .orderBy(desc(schema.conversations.lastMessageAt))
        .limit(limit);
      return { conversations: rows.map(conversationView) };
    },
  );

  api.get(
    '/api/v1/conversations/:id',
    { schema: { tags: ['conversations'], summary: 'One conversation', params: byId } },
    async (request) => {
      const row = await ownConversation(callerTenant(request), request.params.id);
      // What the operator reads first: the latest handoff's summary (null before any handoff).
      return { ...conversationView(row), handoff_summary: await latestHandoffSummary(db, row.id) };
    },
  );

  api.get(
    '/api/v1/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'The messages of a conversation, oldest first',
        params: byId,
      },
    },
    async (request) => {
      const conversation = await ownConversation(callerTenant(request), request.params.id);
      const [tenant] = await db
        .select({ settings: schema.tenants.settings })
        .from(schema.tenants)
        .where(eq(schema.tenants.id, conversation.tenantId));
      const language =
        typeof tenant?.settings.language === 'string' ? tenant.settings.language : '';
      const rows = await db
        .select()
        .from(schema.messages)
        .where(eq(schema.messages.conversationId, conversation.id))
        .orderBy(asc(schema.messages.createdAt), asc(schema.messages.id));
      const attachments = await attachmentsOf(
        db,
        rows.map((m) => m.id),
      );
      return {
        messages: rows.map((m) => {
          const own = attachments.filter((a) => a.messageId === m.id).map(attachmentView);
          // A release marker is an instruction to the model: people get a note about it instead,
          // and the dashboard, told its kind and counts, writes that note in its own language.
          const release = releaseCountsOf(m.content);
          return {
            id: m.id,
            direction: m.direction,
            author: m.author,
            text: release ? releaseNote(language, release) : m.body,
            status: m.status,
            created_at: m.createdAt.toISOString(),
            // Voice notes, images, documents: with the transcript once there is one.
            ...(own.length > 0 ? { attachments: own } : {}),
            ...(release
              ? {
                  kind: 'handoff_release' as const,
                  contact_messages: release.contactMessages,
                  operator_messages: release.operatorMessages,
                }
              : {}),
          };
        }),
      };
    },
  );
}
