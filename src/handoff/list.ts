/** Handoff episodes of a tenant, newest first (the operators' queue and its history). */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { HandoffError } from './errors.ts';
import type { Handoff } from './state.ts';

export type HandoffStatus = (typeof schema.HANDOFF_STATUSES)[number];

/** A tenant's episodes; every tenant's without `tenantId` (the operator's shell). */
export function listHandoffs(
  db: Db,
  filter: { tenantId?: string; status?: HandoffStatus; limit: number },
): Promise<Handoff[]> {
  return db
    .select()
    .from(schema.handoffs)
    .where(
      and(
        filter.tenantId ? eq(schema.handoffs.tenantId, filter.tenantId) : undefined,
        filter.status ? eq(schema.handoffs.status, filter.status) : undefined,
      ),
    )
    .orderBy(desc(schema.handoffs.createdAt))
    .limit(filter.limit);
}

/** The tenant a conversation belongs to (for the shell, which names conversations by id alone). */
export async function tenantOfConversation(db: Db, conversationId: string): Promise<string> {
  const [row] = await db
    .select({ tenantId: schema.conversations.tenantId })
    .from(schema.conversations)
    .where(eq(schema.conversations.id, conversationId));
  if (!row) throw new HandoffError('not_found', `No conversation "${conversationId}".`);
  return row.tenantId;
}
