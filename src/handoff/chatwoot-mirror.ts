/**
 * Omni → Chatwoot (SPEC §7.6): each Omni conversation has a twin in a Chatwoot API inbox, created
 * on first need; contacts' messages are posted as `incoming`, the bot's and humans' as `outgoing`,
 * system markers as private notes; a handoff sets the twin `open` (a human's queue) and posts its
 * summary as a private note, a release sets it `pending` (the bot's). The twin's ids live in `conversations.metadata.chatwoot` and
 * `contacts.profile.chatwoot`, and the Chatwoot webhook finds the Omni conversation by them.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import type { ChatwootClient, ChatwootStatus } from './chatwoot-client.ts';
import type { Delivery } from './deliveries.ts';
import { releaseCountsOf, releaseNote } from './messages.ts';
import { type HandoffSummary, handoffSummaryText } from './summary.ts';

interface ChatwootContactLink {
  contact_id: number;
  source_id: string;
}

function chatwootOf(record: Record<string, unknown>): Record<string, unknown> | undefined {
  const value = record.chatwoot;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The Chatwoot conversation id of an Omni conversation, creating contact and twin when missing. */
async function ensureTwin(db: Db, client: ChatwootClient, conversationId: string) {
  const [row] = await db
    .select({
      metadata: schema.conversations.metadata,
      contactId: schema.contacts.id,
      profile: schema.contacts.profile,
      name: schema.contacts.displayName,
      externalId: schema.contacts.externalId,
    })
    .from(schema.conversations)
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .where(eq(schema.conversations.id, conversationId));
  if (!row) return undefined;
  const existing = chatwootOf(row.metadata)?.conversation_id;
  if (typeof existing === 'number') return existing;

  let link = chatwootOf(row.profile) as ChatwootContactLink | undefined;
  if (typeof link?.contact_id !== 'number' || typeof link.source_id !== 'string') {
    const created = await client.createContact({ name: row.name ?? row.externalId });
    link = { contact_id: created.contactId, source_id: created.sourceId };
    await db
      .update(schema.contacts)
      .set({
        profile: sql`${schema.contacts.profile} || ${JSON.stringify({ chatwoot: link })}::jsonb`,
      })
      .where(eq(schema.contacts.id, row.contactId));
  }
  const twin = await client.createConversation({
    contactId: link.contact_id,
    sourceId: link.source_id,
    omniConversationId: conversationId,
  });
  await db
    .update(schema.conversations)
    .set({
      metadata: sql`${schema.conversations.metadata} || ${JSON.stringify({ chatwoot: { conversation_id: twin } })}::jsonb`,
    })
    .where(eq(schema.conversations.id, conversationId));
  return twin;
}

export async function deliverToChatwoot(
  db: Db,
  client: ChatwootClient,
  delivery: Delivery,
): Promise<void> {
  if (!delivery.conversation_id) return;
  if (delivery.kind === 'status') {
    const status = await currentStatus(db, delivery, delivery.payload.status as ChatwootStatus);
    if (!status) return;
    const twin = await ensureTwin(db, client, delivery.conversation_id);
    if (twin === undefined) return;
    await client.toggleStatus(twin, status);
    // A handoff opens the twin for a person: the summary goes first in their view, as a private
    // note. After the toggle, so a retried toggle never posts the note twice.
    if (status === 'open') await postHandoffSummary(db, client, twin, delivery);
    return;
  }
  const [message] = await db
    .select({
      id: schema.messages.id,
      author: schema.messages.author,
      body: schema.messages.body,
      content: schema.messages.content,
      settings: schema.tenants.settings,
    })
    .from(schema.messages)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.messages.tenantId))
    .where(
      and(
        eq(schema.messages.id, String(delivery.payload.message_id)),
        eq(schema.messages.tenantId, delivery.tenant_id),
      ),
    );
  // Erased since it was scanned: nothing to mirror.
  if (!message?.body) return;
  const twin = await ensureTwin(db, client, delivery.conversation_id);
  if (twin === undefined) return;
  // A release marker speaks to the model; Chatwoot's agents read a note written for them.
  const release = releaseCountsOf(message.content);
  const language = typeof message.settings.language === 'string' ? message.settings.language : '';
  await client.postMessage(twin, {
    content: release ? releaseNote(language, release) : message.body,
    type: message.author === 'contact' ? 'incoming' : 'outgoing',
    private: message.author === 'system',
    omniId: message.id,
  });
}

/**
 * A status sent late (after retries, or behind other calls of its lane) must not undo a newer
 * change — it would flip Chatwoot, whose webhook would flip Omni back: `open` only while the
 * episode is open, the end of an episode only while the bot is in charge — `resolved` when the
 * conversation was resolved with it, else `pending`. Undefined: nothing to send.
 */
async function currentStatus(
  db: Db,
  delivery: Delivery,
  status: ChatwootStatus,
): Promise<ChatwootStatus | undefined> {
  const [row] = await db
    .select({
      episode: schema.handoffs.status,
      controlledBy: schema.conversations.controlledBy,
      conversation: schema.conversations.status,
    })
    .from(schema.handoffs)
    .innerJoin(schema.conversations, eq(schema.conversations.id, schema.handoffs.conversationId))
    .where(eq(schema.handoffs.id, String(delivery.payload.handoff_id)));
  if (!row) return undefined;
  if (status === 'open') {
    return row.episode === 'pendente' || row.episode === 'aceito' ? 'open' : undefined;
  }
  if (row.controlledBy !== 'bot') return undefined;
  return row.conversation === 'active' ? 'pending' : 'resolved';
}

async function postHandoffSummary(
  db: Db,
  client: ChatwootClient,
  twin: number,
  delivery: Delivery,
): Promise<void> {
  const [row] = await db
    .select({
      id: schema.handoffs.id,
      summary: schema.handoffs.summary,
      settings: schema.tenants.settings,
    })
    .from(schema.handoffs)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.handoffs.tenantId))
    .where(eq(schema.handoffs.id, String(delivery.payload.handoff_id)));
  if (!row?.summary) return;
  const language = typeof row.settings.language === 'string' ? row.settings.language : '';
  await client.postMessage(twin, {
    content: handoffSummaryText(language, row.summary as unknown as HandoffSummary),
    type: 'outgoing',
    private: true,
    omniId: `handoff-summary:${row.id}`,
  });
}

/** The Omni conversation mirrored as Chatwoot conversation `twin`, in the tenant. */
export async function conversationOfTwin(db: Db, tenantId: string, twin: number) {
  const [row] = await db
    .select({ id: schema.conversations.id, controlledBy: schema.conversations.controlledBy })
    .from(schema.conversations)
    .where(
      and(
        eq(schema.conversations.tenantId, tenantId),
        sql`${schema.conversations.metadata}->'chatwoot'->>'conversation_id' = ${String(twin)}`,
      ),
    )
    .orderBy(sql`${schema.conversations.createdAt} desc`)
    .limit(1);
  return row;
}
