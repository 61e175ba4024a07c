import { and, desc, eq } from 'drizzle-orm';
import { type Db, schema } from '../../storage/index.ts';
import type { EmailThread } from './inbound.ts';

/** The thread of the contact's latest e-mail in a conversation, as stored at ingest. */
export async function emailThreadOf(
  db: Db,
  conversationId: string,
): Promise<EmailThread | undefined> {
  const [row] = await db
    .select({ content: schema.messages.content })
    .from(schema.messages)
    .where(
      and(
        eq(schema.messages.conversationId, conversationId),
        eq(schema.messages.direction, 'inbound'),
        eq(schema.messages.channel, 'email'),
      ),
    )
    .orderBy(desc(schema.messages.createdAt))
    .limit(1);
  const thread = row?.content.email_thread as EmailThread | undefined;
  return thread?.messageId ? thread : undefined;
}
