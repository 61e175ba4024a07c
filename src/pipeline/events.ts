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

export const MESSAGE_EVENTS_CHANNEL = 'omni_message_events';

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
