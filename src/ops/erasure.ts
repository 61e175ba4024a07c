/**
 * Data-subject requests (LGPD, SPEC §9): export everything stored about one contact, or erase it.
 * Erasure deletes the contact with everything it owns (conversations, messages, turns, outbox,
 * handoffs, message events, LLM attempts by cascade; leads, queue entries and dead letters that
 * point at its conversations), then sweeps every text and JSON column of every table for what is
 * left of its identity (phone, name, e-mail, channel id) and replaces it with "[erased]" — so an
 * audit detail, a copied payload or a table added later cannot keep it. The audit record of the
 * erasure names only the contact's id.
 */
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { deleteUnreferencedMedia, type MediaStore, mediaKeysOfContact } from '../media/index.ts';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, isUuid, recordAudit, TenancyError } from '../tenancy/index.ts';

export const ERASED = '[erased]';
/** Shorter values (a first name like "Ana") would erase unrelated text everywhere. */
const MIN_NEEDLE_LENGTH = 4;

type Contact = typeof schema.contacts.$inferSelect;

/** A contact by id, or by its channel id, phone or e-mail within the tenant. */
export async function findContact(db: Db, tenantId: string, reference: string): Promise<Contact> {
  const { contacts } = schema;
  const matches = await db
    .select()
    .from(contacts)
    .where(
      and(
        eq(contacts.tenantId, tenantId),
        isUuid(reference)
          ? eq(contacts.id, reference)
          : or(
              eq(contacts.externalId, reference),
              eq(contacts.phone, reference),
              eq(contacts.email, reference.toLowerCase()),
            ),
      ),
    )
    .orderBy(asc(contacts.createdAt));
  if (matches.length === 0) throw new TenancyError('not_found', `No contact "${reference}".`);
  if (matches.length > 1) {
    throw new TenancyError(
      'conflict',
      `"${reference}" matches ${matches.length} contacts (one per channel); give a contact id: ${matches.map((c) => c.id).join(', ')}.`,
    );
  }
  return matches[0] as Contact;
}

/** Everything stored about a contact, as plain JSON. */
export async function exportContact(db: Db, contact: Contact) {
  const conversations = await db
    .select()
    .from(schema.conversations)
    .where(eq(schema.conversations.contactId, contact.id))
    .orderBy(asc(schema.conversations.createdAt));
  const ids = conversations.map((c) => c.id);
  const within = <T>(query: () => Promise<T[]>) => (ids.length > 0 ? query() : Promise.resolve([]));
  return {
    exported_at: new Date().toISOString(),
    contact,
    conversations,
    messages: await within(() =>
      db
        .select()
        .from(schema.messages)
        .where(inArray(schema.messages.conversationId, ids))
        .orderBy(asc(schema.messages.createdAt)),
    ),
    handoffs: await within(() =>
      db.select().from(schema.handoffs).where(inArray(schema.handoffs.conversationId, ids)),
    ),
    turns: await within(() =>
      db.select().from(schema.turns).where(inArray(schema.turns.conversationId, ids)),
    ),
  };
}

/** The strings that identify the contact, as they may appear in text and in JSON text. */
function needlesOf(contact: Contact): string[] {
  const values = [contact.phone, contact.displayName, contact.email, contact.externalId];
  const digits = contact.phone?.replace(/\D/g, '');
  if (digits && digits.length >= 8) values.push(digits);
  const needles = new Set<string>();
  for (const value of values) {
    if (!value || value.trim().length < MIN_NEEDLE_LENGTH) continue;
    needles.add(value);
    // Inside jsonb text a value appears JSON-escaped.
    needles.add(JSON.stringify(value).slice(1, -1));
  }
  return [...needles].sort((a, b) => b.length - a.length);
}

interface Column {
  table: string;
  column: string;
  type: 'text' | 'json';
}

async function textColumns(db: Db): Promise<Column[]> {
  const result = (await db.execute(sql`
    select c.table_name, c.column_name, c.data_type from information_schema.columns c
      join information_schema.tables t
        on t.table_name = c.table_name and t.table_schema = c.table_schema
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
       and c.data_type in ('text', 'character varying', 'jsonb', 'json')
     order by c.table_name, c.column_name`)) as unknown as {
    rows: Array<{ table_name: string; column_name: string; data_type: string }>;
  };
  return result.rows.map((row) => ({
    table: row.table_name,
    column: row.column_name,
    type: row.data_type.startsWith('json') ? 'json' : 'text',
  }));
}

export interface ErasureReport {
  contactId: string;
  conversations: number;
  /** Cells elsewhere in which the contact's identity was replaced by "[erased]". */
  scrubbed: Record<string, number>;
  /** Stored media files (voice notes, images, documents) deleted with the contact's messages. */
  mediaFiles: number;
}

export async function eraseContact(
  db: Db,
  contact: Contact,
  actor: Actor,
  media?: MediaStore,
): Promise<ErasureReport> {
  const needles = needlesOf(contact);
  const files = await mediaKeysOfContact(db, contact.id);
  const columns = await textColumns(db);
  const report = await db.transaction(async (tx) => {
    const conversations = await tx
      .select({ id: schema.conversations.id })
      .from(schema.conversations)
      .where(eq(schema.conversations.contactId, contact.id));
    const ids = conversations.map((c) => c.id);
    if (ids.length > 0) {
      const list = sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      );
      await tx.execute(
        sql`delete from queue_entries where payload->>'conversationId' in (${list})`,
      );
      await tx.execute(sql`delete from dead_letters where payload->>'conversationId' in (${list})`);
    }
    if (columns.some((c) => c.table === 'leads' && c.column === 'contact_id')) {
      await tx.execute(sql`delete from leads where contact_id = ${contact.id}`);
    }
    await tx.delete(schema.contacts).where(eq(schema.contacts.id, contact.id));

    const scrubbed: Record<string, number> = {};
    for (const { table, column, type } of columns) {
      for (const needle of needles) {
        const target = sql.identifier(column);
        const changed = (await tx.execute(
          type === 'json'
            ? sql`update ${sql.identifier(table)} set ${target} = replace(${target}::text, ${needle}, ${ERASED})::jsonb
                   where ${target}::text like ${`%${escapeLike(needle)}%`}`
            : sql`update ${sql.identifier(table)} set ${target} = replace(${target}, ${needle}, ${ERASED})
                   where ${target} like ${`%${escapeLike(needle)}%`}`,
        )) as unknown as { rowCount?: number; affectedRows?: number };
        const count = changed.rowCount ?? changed.affectedRows ?? 0;
        if (count > 0)
          scrubbed[`${table}.${column}`] = (scrubbed[`${table}.${column}`] ?? 0) + count;
      }
    }
    return { contactId: contact.id, conversations: ids.length, scrubbed, mediaFiles: 0 };
  });
  // The rows went with the transaction; the files follow (a file another contact of the tenant
  // also sent stays for that contact).
  if (media) report.mediaFiles = await deleteUnreferencedMedia(db, media, files);
  await recordAudit(db, {
    tenantId: contact.tenantId,
    actor,
    action: 'contact.erase',
    targetType: 'contact',
    targetId: contact.id,
    details: { conversations: report.conversations, media_files: report.mediaFiles },
  });
  return report;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
