/**
 * WhatsApp through Evolution API v2 (SPEC §6.1), the pure half. Evolution posts every event of an
 * instance as `{event, instance, data, apikey, …}`; no signature, so the `apikey` (header or body)
 * must be the configured key. Only `messages.upsert` matters here: text from
 * `message.conversation` or `message.extendedTextMessage.text`, media as placeholders, groups and
 * `status@broadcast` only when configured. `key.fromMe` is the business's own phone — an operator
 * answering, or Evolution echoing our own API send (told apart later, by the message id).
 * `messages.update` carries the acks of our sends (delivered, read), when the instance sends it.
 */
import { z } from 'zod';
import type { InboundAttachment } from '../../media/index.ts';
import { isAttachmentKind, type MediaType, mediaPlaceholder } from '../media.ts';
import { headerOf, sameSecret } from '../secrets.ts';
import {
  ChannelError,
  type ChannelSpec,
  type DeliveryState,
  type InboundEvent,
  isRetryableStatus,
  parseRetryAfter,
} from '../types.ts';

export const EVOLUTION_CHANNEL = 'evolution';

export interface EvolutionSecrets {
  apiKey?: string;
}

// Loose on purpose: Evolution's builds differ and add fields; only what we read is checked.
const messageSchema = z.looseObject({
  key: z.looseObject({
    remoteJid: z.string(),
    remoteJidAlt: z.string().optional(),
    participant: z.string().nullish(),
    fromMe: z.boolean().optional(),
    id: z.string(),
  }),
  pushName: z.string().nullish(),
  message: z.record(z.string(), z.unknown()).nullish(),
  messageType: z.string().optional(),
});

const envelopeSchema = z.looseObject({
  event: z.string(),
  instance: z.string().optional(),
  data: z.unknown(),
  apikey: z.string().optional(),
});

const MEDIA_KEYS: Record<string, MediaType> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  documentWithCaptionMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contact',
};

/** `messages.upsert`, `MESSAGES_UPSERT` and `messages-upsert` (webhook by events) are one event. */
function eventName(event: string): string {
  return event.toLowerCase().replace(/[_-]/g, '.');
}

export const evolutionSpec: ChannelSpec<EvolutionSecrets> = {
  channel: EVOLUTION_CHANNEL,
  // WhatsApp takes far longer texts, but a 4096-character bubble is already hard to read.
  textLimit: 4096,

  verify(request, secrets) {
    const fromBody = (request.body as { apikey?: unknown } | undefined)?.apikey;
    const presented =
      headerOf(request.headers, 'apikey') ?? (typeof fromBody === 'string' ? fromBody : undefined);
    return sameSecret(presented, secrets.apiKey);
  },

  parse(body, options) {
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) return [{ kind: 'ignored', reason: 'not an Evolution event' }];
    const event = eventName(envelope.data.event);
    const items = Array.isArray(envelope.data.data) ? envelope.data.data : [envelope.data.data];
    if (event === 'messages.update') return items.map(parseAck);
    if (event !== 'messages.upsert') return [{ kind: 'ignored', reason: `event ${event}` }];
    return items.map((item) => parseMessage(item, options.groups));
  },

  classify(answer) {
    const detail = evolutionErrorDetail(answer.body);
    const message = `Evolution API answered HTTP ${answer.status}${detail ? `: ${detail}` : ''}`;
    if (answer.status === 401 || answer.status === 403) {
      return new ChannelError(`${message} (check EVOLUTION_API_KEY)`, {
        retryable: false,
        status: answer.status,
      });
    }
    return new ChannelError(message, {
      retryable: isRetryableStatus(answer.status),
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after')),
      status: answer.status,
    });
  },
};

/** Evolution's message statuses (wa.types.ts) as delivery states; the rest say nothing new. */
const ACK_STATES: Record<string, DeliveryState> = {
  SERVER_ACK: 'sent',
  DELIVERY_ACK: 'delivered',
  READ: 'read',
  PLAYED: 'read',
  ERROR: 'failed',
};

const ackSchema = z.looseObject({
  keyId: z.string().optional(),
  key: z.looseObject({ id: z.string() }).optional(),
  fromMe: z.boolean().optional(),
  status: z.string(),
});

/** `messages.update`: the acks of a message; only those of our own sends matter. */
function parseAck(item: unknown): InboundEvent {
  const ack = ackSchema.safeParse(item);
  const id = ack.success ? (ack.data.keyId ?? ack.data.key?.id) : undefined;
  const state = ack.success ? ACK_STATES[ack.data.status] : undefined;
  if (!ack.success || !id || !state || ack.data.fromMe === false) {
    return { kind: 'ignored', reason: 'message update' };
  }
  return { kind: 'status', providerMessageId: id, state };
}

function parseMessage(item: unknown, groups: boolean): InboundEvent {
  const parsed = messageSchema.safeParse(item);
  if (!parsed.success) return { kind: 'ignored', reason: 'message without key' };
  const { key, message, pushName } = parsed.data;
  const chat = key.remoteJid;
  if (chat.endsWith('@broadcast') && !groups)
    return { kind: 'ignored', reason: 'status broadcast' };
  const group = chat.endsWith('@g.us');
  if (group && !groups) return { kind: 'ignored', reason: 'group message' };
  // Newer Baileys builds address people by LID; the phone JID then rides along as remoteJidAlt.
  // Without it the LID itself is the address, kept whole: its digits are not a phone number.
  const jid = chat.endsWith('@lid') && key.remoteJidAlt ? key.remoteJidAlt : chat;
  const byPhone = jid.endsWith('@s.whatsapp.net');
  const externalId = byPhone ? (jid.split('@')[0] ?? jid) : jid;
  const contact = {
    externalId,
    name: key.fromMe ? undefined : pushName || undefined,
    phone: byPhone ? externalId : undefined,
  };
  const read = readContent(message ?? {});
  if (!read)
    return {
      kind: 'ignored',
      reason: `unsupported message ${parsed.data.messageType ?? ''}`.trim(),
    };
  if (key.fromMe) return { kind: 'operator_message', contact, externalId: key.id, text: read.text };
  return {
    kind: 'message',
    contact,
    externalId: key.id,
    text: read.text,
    content: {
      ...read.content,
      ...(group && key.participant ? { participant: key.participant } : {}),
    },
    ...(read.attachments
      ? {
          attachments: read.attachments.map((attachment) => ({
            ...attachment,
            source: { key: { id: key.id, remoteJid: chat }, ...attachment.source },
          })),
        }
      : {}),
  };
}

function readContent(
  message: Record<string, unknown>,
):
  | { text: string; content?: Record<string, unknown>; attachments?: InboundAttachment[] }
  | undefined {
  const extended = message.extendedTextMessage as { text?: unknown } | undefined;
  const text = message.conversation ?? extended?.text;
  if (typeof text === 'string' && text.trim()) return { text };
  for (const [field, type] of Object.entries(MEDIA_KEYS)) {
    const media = message[field] as Record<string, unknown> | undefined;
    if (!media) continue;
    const inner = (media.message as { documentMessage?: Record<string, unknown> } | undefined)
      ?.documentMessage;
    const source = inner ?? media;
    const kind = type === 'audio' && source.ptt === true ? 'voice' : type;
    const details = {
      caption: stringOrUndefined(source.caption),
      mimetype: stringOrUndefined(source.mimetype),
      fileName: stringOrUndefined(source.fileName),
    };
    const placeholder = mediaPlaceholder(kind, details);
    if (!isAttachmentKind(kind)) return placeholder;
    const inline = stringOrUndefined(message.base64);
    const declared = Number(source.fileLength);
    const attachment: InboundAttachment = {
      kind,
      mimeType: details.mimetype,
      fileName: details.fileName,
      caption: details.caption,
      sizeBytes: Number.isFinite(declared) && declared > 0 ? declared : undefined,
      // The whole message goes back to getBase64FromMediaMessage, so Evolution need not find it
      // in its own database (which it may not keep: evolution-api #435).
      source: { message: { [inner ? 'documentMessage' : field]: source } },
      inline: inline ? new Uint8Array(Buffer.from(inline, 'base64')) : undefined,
    };
    return { ...placeholder, attachments: [attachment] };
  }
  return undefined;
}

/** Evolution's error envelope: `{status, error, response: {message: string | array}}`. */
function evolutionErrorDetail(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200) || undefined;
  const message = (body as { response?: { message?: unknown } } | undefined)?.response?.message;
  if (message === undefined) return undefined;
  return (typeof message === 'string' ? message : JSON.stringify(message)).slice(0, 200);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
