/**
 * What a visitor may read: their web chat messages across conversations (a resolved conversation
 * stays in the history; the next message opens a new one), replies only once they were sent — a
 * bot reply cancelled because a human took over never appears — and no system markers.
 */
import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { type Db, schema } from '../../storage/index.ts';
import type { VisitorState, WireMessage } from './protocol.ts';

export const WEBCHAT_CHANNEL = 'webchat';

/** How far back a reloaded widget shows. */
const HISTORY_LIMIT = 100;

const SENT_STATES = ['sent', 'delivered', 'read'];

const visible = and(
  ne(schema.messages.author, 'system'),
  or(eq(schema.messages.direction, 'inbound'), inArray(schema.messages.status, SENT_STATES)),
);

const columns = {
  id: schema.messages.id,
  author: schema.messages.author,
  body: schema.messages.body,
  content: schema.messages.content,
  createdAt: schema.messages.createdAt,
};

type Row = {
  id: string;
  author: string;
  body: string;
  content: Record<string, unknown>;
  createdAt: Date;
};

function toWire(row: Row): WireMessage {
  const clientId = row.content.webchat_client_id;
  return {
    id: row.id,
    author: row.author as WireMessage['author'],
    text: row.body,
    created_at: row.createdAt.toISOString(),
    ...(typeof clientId === 'string' ? { client_id: clientId } : {}),
  };
}

export interface VisitorConversation {
  id: string;
  /** A bot turn is under way: the widget shows the typing indicator. */
  typing: boolean;
  state: VisitorState;
}

/** A resolved conversation is over: the visitor's next message goes to the bot again. */
const visitorState = sql<VisitorState>`case when ${schema.conversations.status} = 'active'
  then ${schema.conversations.controlledBy} else 'bot' end`;

/** Who answers a conversation now, as the visitor sees it. */
export async function conversationState(db: Db, conversationId: string): Promise<VisitorState> {
  const [row] = await db
    .select({ state: visitorState })
    .from(schema.conversations)
    .where(eq(schema.conversations.id, conversationId));
  return row?.state ?? 'bot';
}

/** A query joining conversations to contacts: only the web chat conversations of this visitor. */
const ofVisitor = (tenantId: string, contactId: string) =>
  and(
    eq(schema.conversations.tenantId, tenantId),
    eq(schema.conversations.channel, WEBCHAT_CHANNEL),
    eq(schema.contacts.channel, WEBCHAT_CHANNEL),
    eq(schema.contacts.externalId, contactId),
  );

/** The visitor's most recent web chat conversation, if they have written before. */
export async function latestConversation(
  db: Db,
  tenantId: string,
  contactId: string,
): Promise<VisitorConversation | undefined> {
  const [row] = await db
    .select({
      id: schema.conversations.id,
      typing: sql<boolean>`${schema.conversations.controlledBy} = 'bot' and exists (
        select 1 from ${schema.messages} m where m.conversation_id = ${schema.conversations.id}
           and m.direction = 'inbound' and m.status = 'processing')`,
      state: visitorState,
    })
    .from(schema.conversations)
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .where(ofVisitor(tenantId, contactId))
    .orderBy(desc(schema.conversations.createdAt))
    .limit(1);
  return row;
}

/** The visitor's latest messages, oldest first. */
export async function visitorHistory(
  db: Db,
  tenantId: string,
  contactId: string,
): Promise<WireMessage[]> {
  const rows = await db
    .select(columns)
    .from(schema.messages)
    .innerJoin(schema.conversations, eq(schema.conversations.id, schema.messages.conversationId))
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .where(and(ofVisitor(tenantId, contactId), visible))
    .orderBy(desc(schema.messages.createdAt), desc(schema.messages.id))
    .limit(HISTORY_LIMIT);
  return rows.reverse().map(toWire);
}

/** One message, if the visitor may see it now. */
export async function visibleMessage(db: Db, messageId: string): Promise<WireMessage | undefined> {
  const [row] = await db
    .select(columns)
    .from(schema.messages)
    .where(and(eq(schema.messages.id, messageId), visible));
  return row ? toWire(row) : undefined;
}

/** The visitor (contact id) of a web chat conversation; undefined for other channels' ones. */
export async function conversationVisitor(
  db: Db,
  conversationId: string,
): Promise<string | undefined> {
  const [row] = await db
    .select({ contactId: schema.contacts.externalId })
    .from(schema.conversations)
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .where(
      and(
        eq(schema.conversations.id, conversationId),
        eq(schema.conversations.channel, WEBCHAT_CHANNEL),
      ),
    );
  return row?.contactId;
}
