/**
 * Attachments as rows (`message_media`) and files (the media store): what a channel hands in at
 * ingest, what is kept, and what goes when a contact is erased or retention removes messages.
 */
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import type { Db } from '../storage/index.ts';
import { queryRows, schema } from '../storage/index.ts';
import { MediaError } from './errors.ts';
import { checkMedia, type MediaLimits } from './limits.ts';
import { type MediaStore, mediaStoreFromConfig } from './store.ts';
import { createTranscriber, type Transcriber } from './transcribe.ts';

export const MEDIA_KINDS = ['voice', 'audio', 'image', 'video', 'document', 'sticker'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** One attachment as a channel parsed it. */
export interface InboundAttachment {
  kind: MediaKind;
  mimeType?: string;
  fileName?: string;
  caption?: string;
  /** The size the channel declared, checked before any download. */
  sizeBytes?: number;
  /** How the channel's adapter fetches the file later (a media id, a file id, a message key). */
  source: Record<string, unknown>;
  /** The file itself, when the webhook carried it (Evolution's `base64`, an e-mail attachment). */
  inline?: Uint8Array;
}

/** A file a channel fetched for us. */
export interface FetchedMedia {
  bytes: Uint8Array;
  mimeType?: string;
}

/** A channel adapter's way to fetch an attachment it announced; throws on failure. */
export type MediaFetcher = (
  tenantId: string,
  source: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<FetchedMedia>;

/** Everything the pipeline needs to keep and understand media. */
export interface MediaService {
  store: MediaStore;
  limits: MediaLimits;
  transcriber: Transcriber;
  /** How long a turn waits for its media (MEDIA_UNDERSTANDING_TIMEOUT_MS). */
  timeoutMs: number;
}

export function createMediaService(config: Config): MediaService {
  return {
    store: mediaStoreFromConfig(config),
    limits: { maxBytes: config.MEDIA_MAX_BYTES, allowedTypes: config.MEDIA_ALLOWED_TYPES },
    transcriber: createTranscriber(config),
    timeoutMs: config.MEDIA_UNDERSTANDING_TIMEOUT_MS,
  };
}

export type AttachmentRow = typeof schema.messageMedia.$inferSelect;
type AttachmentValues = Omit<typeof schema.messageMedia.$inferInsert, 'tenantId' | 'messageId'>;

/**
 * Checks an attachment against the limits and keeps the file when the webhook carried it; the
 * rest are fetched when their turn comes. Refused files are never written.
 */
export async function admitAttachment(
  media: MediaService,
  tenantId: string,
  attachment: InboundAttachment,
  position: number,
): Promise<AttachmentValues> {
  const base = {
    position,
    kind: attachment.kind,
    mimeType: attachment.mimeType ?? null,
    fileName: attachment.fileName ?? null,
    caption: attachment.caption?.trim() || null,
    source: attachment.source,
  };
  try {
    const sizeBytes = attachment.inline?.byteLength ?? attachment.sizeBytes;
    checkMedia({ mimeType: attachment.mimeType, sizeBytes }, media.limits);
    if (!attachment.inline) return { ...base, status: 'pending' };
    const stored = await media.store.put(tenantId, attachment.inline);
    return {
      ...base,
      status: 'stored',
      storageKey: stored.key,
      sha256: stored.sha256,
      sizeBytes: stored.sizeBytes,
    };
  } catch (error) {
    if (error instanceof MediaError) return { ...base, status: 'refused', error: error.code };
    throw error;
  }
}

export async function insertAttachments(
  tx: Db,
  tenantId: string,
  messageId: string,
  values: AttachmentValues[],
): Promise<void> {
  if (values.length === 0) return;
  await tx
    .insert(schema.messageMedia)
    .values(values.map((value) => ({ ...value, tenantId, messageId })));
}

export async function attachmentsOf(db: Db, messageIds: string[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return [];
  return db
    .select()
    .from(schema.messageMedia)
    .where(inArray(schema.messageMedia.messageId, messageIds))
    .orderBy(schema.messageMedia.messageId, schema.messageMedia.position);
}

export async function attachmentById(
  db: Db,
  tenantId: string,
  id: string,
): Promise<AttachmentRow | undefined> {
  const [row] = await db
    .select()
    .from(schema.messageMedia)
    .where(and(eq(schema.messageMedia.tenantId, tenantId), eq(schema.messageMedia.id, id)));
  return row;
}

/** The stored files of a contact's messages, to delete once the rows are gone. */
export function mediaKeysOfContact(db: Db, contactId: string): Promise<StoredKey[]> {
  return storedKeysWhere(db, sql`c.contact_id = ${contactId}`);
}

/** The stored files of messages retention removes (older than `before`, or in a conversation it removes). */
export function mediaKeysBefore(db: Db, before: Date): Promise<StoredKey[]> {
  const at = before.toISOString();
  return storedKeysWhere(
    db,
    sql`(g.created_at < ${at} or coalesce(c.last_message_at, c.created_at) < ${at})`,
  );
}

type StoredKey = { tenantId: string; key: string };

/** Stored files of the messages matching `condition` (over `g` the message, `c` its conversation). */
async function storedKeysWhere(db: Db, condition: SQL): Promise<StoredKey[]> {
  const rows = await queryRows<{ tenant_id: string; storage_key: string }>(
    db,
    sql`select distinct m.tenant_id, m.storage_key from message_media m
          join messages g on g.id = m.message_id
          join conversations c on c.id = g.conversation_id
         where m.storage_key is not null and ${condition}`,
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, key: row.storage_key }));
}

/**
 * Deletes the files no row refers to any more. Files are shared by identical attachments of one
 * tenant (content addressing), so a file goes only with its last row. Returns how many went.
 */
export async function deleteUnreferencedMedia(
  db: Db,
  store: MediaStore,
  keys: Array<{ tenantId: string; key: string }>,
): Promise<number> {
  let deleted = 0;
  for (const { tenantId, key } of keys) {
    const [still] = await db
      .select({ id: schema.messageMedia.id })
      .from(schema.messageMedia)
      .where(
        and(eq(schema.messageMedia.tenantId, tenantId), eq(schema.messageMedia.storageKey, key)),
      )
      .limit(1);
    if (still) continue;
    await store.delete(key);
    deleted++;
  }
  return deleted;
}
