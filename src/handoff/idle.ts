/**
 * Idle release (HANDOFF_IDLE_RELEASE_MIN): a conversation left with a human (or waiting for one)
 * with no message and no handoff change for that long goes back to the bot, so a forgotten
 * handoff does not leave a contact unanswered forever.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { queryRows } from '../storage/index.ts';
import { release } from './state.ts';

/** Conversations released by one pass at most; the next pass takes the rest. */
const BATCH = 100;

export async function releaseIdleConversations(db: Db, idleMinutes: number): Promise<number> {
  const idle = await queryRows<{ id: string; tenant_id: string }>(
    db,
    sql`select c.id, c.tenant_id from conversations c
         where c.controlled_by <> 'bot' and c.status = 'active'
           and greatest(c.updated_at, coalesce(c.last_message_at, c.updated_at))
               < now() - make_interval(mins => ${idleMinutes})
           and not exists (
             select 1 from handoffs h
              where h.conversation_id = c.id and h.status in ('pendente', 'aceito')
                and greatest(h.updated_at, h.created_at) >= now() - make_interval(mins => ${idleMinutes}))
         limit ${BATCH}`,
  );
  for (const conversation of idle) {
    await release(db, {
      tenantId: conversation.tenant_id,
      conversationId: conversation.id,
      trigger: 'idle',
    });
  }
  return idle.length;
}
