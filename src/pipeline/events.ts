/**
 * Live events (SPEC §6.4 web chat, §7.6 dashboard): every message state change is announced with
 * a Postgres NOTIFY inside the transaction that records it. NOTIFY is delivered on commit, to every
 * process listening on the database — so an API process holding a visitor's socket learns of a
 * reply that a separate worker process dispatched, in the postgres and scale profiles alike, and
 * never of a change that was rolled back. PGlite implements LISTEN/NOTIFY too (one process).
 * Events are nudges: listeners read the rows they need; a missed event costs freshness, not data.
 */
import { sql } from 'drizzle-orm';
import type { Database, Db } from '../storage/index.ts';

const MESSAGE_EVENTS_CHANNEL = 'omni_message_events';
const CONVERSATION_EVENTS_CHANNEL = 'omni_conversation_events';

export interface MessageEvent {
  tenantId: string;
  conversationId: string;
  messageId: string;
  state: string;
}

/** NOTIFY payloads are capped at 8000 bytes; one event is about 150. */
const EVENTS_PER_NOTIFY = 40;

/** Announces the changes inside the caller's transaction (so only committed ones are heard). */
export async function announceMessageEvents(tx: Db, events: MessageEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_NOTIFY) {
    const payload = JSON.stringify(
      events
        .slice(start, start + EVENTS_PER_NOTIFY)
        .map((e) => [e.tenantId, e.conversationId, e.messageId, e.state]),
    );
    await tx.execute(sql`select pg_notify(${MESSAGE_EVENTS_CHANNEL}, ${payload})`);
  }
}

/** Calls `onEvents` with every batch announced by any process, until the returned function runs. */
export function subscribeMessageEvents(
  database: Pick<Database, 'listen'>,
  onEvents: (events: MessageEvent[]) => void,
): Promise<() => Promise<void>> {
  return database.listen(MESSAGE_EVENTS_CHANNEL, (payload) => {
    const events = parseMessageEvents(payload);
    if (events.length > 0) onEvents(events);
  });
}

function parseMessageEvents(payload: string): MessageEvent[] {
  let rows: unknown;
  try {
    rows = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row: unknown) => {
    if (!Array.isArray(row) || !row.every((part) => typeof part === 'string')) return [];
    const [tenantId, conversationId, messageId, state] = row as string[];
    return tenantId && conversationId && messageId && state
      ? [{ tenantId, conversationId, messageId, state }]
      : [];
  });
}

/** A change of who is in charge of a conversation (handoff requested, taken, released, resolved). */
export interface ConversationEvent {
  tenantId: string;
  conversationId: string;
  change: string;
}

/**
 * Announces a committed conversation change to every process. Sent after the commit by whoever
 * made it (the handoff domain tells its listeners; the runtime relays here), so a lost one only
 * delays a dashboard until its next refresh.
 */
export async function announceConversationEvent(db: Db, event: ConversationEvent): Promise<void> {
  const payload = JSON.stringify([event.tenantId, event.conversationId, event.change]);
  await db.execute(sql`select pg_notify(${CONVERSATION_EVENTS_CHANNEL}, ${payload})`);
}

export function subscribeConversationEvents(
  database: Pick<Database, 'listen'>,
  onEvent: (event: ConversationEvent) => void,
): Promise<() => Promise<void>> {
  return database.listen(CONVERSATION_EVENTS_CHANNEL, (payload) => {
    try {
      const [tenantId, conversationId, change] = JSON.parse(payload) as unknown[];
      if (typeof tenantId === 'string' && typeof conversationId === 'string') {
        onEvent({ tenantId, conversationId, change: String(change) });
      }
    } catch {
      // Not ours: ignored.
    }
  });
}
