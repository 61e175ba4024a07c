/**
 * Where every message into a conversation starts, whoever wrote it (the contact through ingest, an
 * operator from the business's phone through a channel): the contact, saved, and its one active
 * conversation on the channel, opened when there is none.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

export interface ContactDetails {
  externalId: string;
  name?: string;
  phone?: string;
  email?: string;
}

export interface OpenConversation {
  contactId: string;
  conversationId: string;
  /** This call opened it (the contact had no active conversation on the channel). */
  started: boolean;
}

/** Run inside the caller's transaction, so the message it stores lands in the same commit. */
export async function openConversation(
  tx: Db,
  input: { tenantId: string; channel: string; contact: ContactDetails },
): Promise<OpenConversation> {
  const { tenantId, channel, contact } = input;
  const [saved] = await tx
    .insert(schema.contacts)
    .values({
      tenantId,
      channel,
      externalId: contact.externalId,
      displayName: contact.name ?? null,
      phone: contact.phone ?? null,
      email: contact.email ?? null,
    })
    .onConflictDoUpdate({
      target: [schema.contacts.tenantId, schema.contacts.channel, schema.contacts.externalId],
      // A name given now replaces the one known; none keeps it.
      set: {
        displayName: sql`coalesce(excluded.display_name, ${schema.contacts.displayName})`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: schema.contacts.id });
  const contactId = (saved as { id: string }).id;

  // One active conversation per contact and channel (a partial unique index): when another
  // transaction opened it first, this insert does nothing and the select reads theirs.
  const started = await tx
    .insert(schema.conversations)
    .values({ tenantId, contactId, channel })
    .onConflictDoNothing({
      target: [
        schema.conversations.tenantId,
        schema.conversations.contactId,
        schema.conversations.channel,
      ],
      where: sql`status = 'active'`,
    })
    .returning({ id: schema.conversations.id });
  const [conversation] = await tx
    .select({ id: schema.conversations.id })
    .from(schema.conversations)
    .where(
      and(
        eq(schema.conversations.tenantId, tenantId),
        eq(schema.conversations.contactId, contactId),
        eq(schema.conversations.channel, channel),
        eq(schema.conversations.status, 'active'),
      ),
    );
  return {
    contactId,
    conversationId: (conversation as { id: string }).id,
    started: started.length > 0,
  };
}
