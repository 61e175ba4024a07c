/**
 * The operators' inbox (SPEC §7.6): a tenant's conversations with what an operator scans for —
 * who the contact is, the last message, who is in charge, and since when a contact has been
 * waiting for a human.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';

/** The inbox tabs: the bot is answering, a human was asked for, a human is answering, done. */
export const INBOX_FILTERS = ['all', 'bot', 'waiting', 'human', 'resolved'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];

export interface InboxEntry {
  id: string;
  channel: string;
  status: string;
  controlled_by: string;
  contact: { id: string; external_id: string; name: string | null };
  last_message: { text: string; author: string; at: string } | null;
  /** When the open handoff was requested: how long the contact has waited for a human. */
  waiting_since: string | null;
  assignee: { id: string; name: string } | null;
  last_message_at: string | null;
}

const FILTER_SQL: Record<InboxFilter, ReturnType<typeof sql>> = {
  all: sql`true`,
  bot: sql`c.status = 'active' and c.controlled_by = 'bot'`,
  waiting: sql`c.status = 'active' and c.controlled_by = 'pending_human'`,
  human: sql`c.status = 'active' and c.controlled_by = 'human'`,
  resolved: sql`c.status <> 'active'`,
};

interface Row {
  id: string;
  channel: string;
  status: string;
  controlled_by: string;
  contact_id: string;
  contact_external_id: string;
  contact_name: string | null;
  last_text: string | null;
  last_author: string | null;
  last_at: Date | string | null;
  waiting_since: Date | string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  last_message_at: Date | string | null;
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

export async function listInbox(
  db: Db,
  options: { tenantId: string; filter: InboxFilter; search?: string; limit: number },
): Promise<InboxEntry[]> {
  const search = options.search?.trim();
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const rows = await queryRows<Row>(
    db,
    sql`select c.id, c.channel, c.status, c.controlled_by, c.last_message_at,
               k.id as contact_id, k.external_id as contact_external_id, k.display_name as contact_name,
               last.body as last_text, last.author as last_author, last.created_at as last_at,
               h.created_at as waiting_since, u.id as assignee_id, u.full_name as assignee_name
          from conversations c
          join contacts k on k.id = c.contact_id
          left join lateral (
            select m.body, m.author, m.created_at from messages m
             where m.conversation_id = c.id and m.author <> 'system'
             order by m.created_at desc, m.id desc limit 1) last on true
          left join lateral (
            select created_at from handoffs
             where conversation_id = c.id and status = 'pendente'
             order by created_at desc limit 1) h on true
          left join users u on u.id = c.assignee_id
         where c.tenant_id = ${options.tenantId} and ${FILTER_SQL[options.filter]}
           ${
             pattern
               ? sql`and (k.display_name ilike ${pattern} or k.external_id ilike ${pattern}
                      or k.phone ilike ${pattern} or k.email ilike ${pattern})`
               : sql``
           }
         order by coalesce(c.last_message_at, c.created_at) desc
         limit ${options.limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    status: r.status,
    controlled_by: r.controlled_by,
    contact: { id: r.contact_id, external_id: r.contact_external_id, name: r.contact_name },
    last_message:
      r.last_text !== null && r.last_author !== null
        ? { text: r.last_text, author: r.last_author, at: iso(r.last_at) as string }
        : null,
    waiting_since: iso(r.waiting_since),
    assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name ?? '' } : null,
    last_message_at: iso(r.last_message_at),
  }));
}
