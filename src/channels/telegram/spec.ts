/**
 * Telegram Bot API (SPEC §6.3), the pure half. A webhook request carries the secret given to
 * setWebhook in `X-Telegram-Bot-Api-Secret-Token`; polling gets the same Update objects from
 * getUpdates. Private chats' text messages are answered, media kept as placeholders; groups only
 * when configured; edits, bot messages and other update kinds are acknowledged and ignored.
 * Errors come as `{ok: false, error_code, description, parameters: {retry_after}}`.
 */
import { z } from 'zod';
import type { InboundAttachment } from '../../media/index.ts';
import { isAttachmentKind, type MediaType, mediaPlaceholder } from '../media.ts';
import { headerOf, sameSecret } from '../secrets.ts';
import {
  ChannelError,
  type ChannelSpec,
  type InboundEvent,
  isRetryableStatus,
  parseRetryAfter,
} from '../types.ts';

export const TELEGRAM_CHANNEL = 'telegram';
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface TelegramSecrets {
  webhookSecret?: string;
}

const messageSchema = z.looseObject({
  message_id: z.number(),
  from: z
    .looseObject({
      is_bot: z.boolean().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      username: z.string().optional(),
    })
    .optional(),
  chat: z.looseObject({ id: z.number(), type: z.string() }),
  text: z.string().optional(),
  caption: z.string().optional(),
});

const telegramUpdateSchema = z.looseObject({
  update_id: z.number(),
  message: z.unknown().optional(),
});

const MEDIA_FIELDS: Record<string, MediaType> = {
  photo: 'image',
  video: 'video',
  animation: 'video',
  voice: 'voice',
  audio: 'audio',
  video_note: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contact: 'contact',
};

export const telegramSpec: ChannelSpec<TelegramSecrets> = {
  channel: TELEGRAM_CHANNEL,
  // sendMessage: "1-4096 characters after entities parsing".
  textLimit: 4096,

  verify(request, secrets) {
    return sameSecret(headerOf(request.headers, TELEGRAM_SECRET_HEADER), secrets.webhookSecret);
  },

  parse(body, options) {
    const update = telegramUpdateSchema.safeParse(body);
    if (!update.success) return [{ kind: 'ignored', reason: 'not a Telegram update' }];
    if (update.data.message === undefined) {
      const kind = Object.keys(update.data).find((key) => key !== 'update_id') ?? 'empty';
      return [{ kind: 'ignored', reason: `update ${kind}` }];
    }
    return [parseMessage(update.data.message, options.groups)];
  },

  classify(answer) {
    const body = answer.body as
      | { description?: string; parameters?: { retry_after?: number } }
      | undefined;
    const retryAfterS = body?.parameters?.retry_after;
    const description = typeof body?.description === 'string' ? `: ${body.description}` : '';
    return new ChannelError(`Telegram answered HTTP ${answer.status}${description}`, {
      retryable: isRetryableStatus(answer.status),
      retryAfterMs:
        typeof retryAfterS === 'number'
          ? retryAfterS * 1000
          : parseRetryAfter(answer.headers.get('retry-after')),
      status: answer.status,
    });
  },
};

function parseMessage(raw: unknown, groups: boolean): InboundEvent {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'ignored', reason: 'message without chat' };
  const message = parsed.data;
  if (message.from?.is_bot) return { kind: 'ignored', reason: 'message from a bot' };
  const privateChat = message.chat.type === 'private';
  if (!privateChat && !groups) return { kind: 'ignored', reason: `${message.chat.type} chat` };
  const name = [message.from?.first_name, message.from?.last_name].filter(Boolean).join(' ');
  const contact = { externalId: String(message.chat.id), name: name || undefined };
  // message_id is unique per chat: with the chat it is stable across webhook and polling.
  const externalId = `${message.chat.id}:${message.message_id}`;
  if (message.text?.trim()) {
    return {
      kind: 'message',
      contact,
      externalId,
      text: message.text,
      content: privateChat ? undefined : { sender: message.from?.username ?? name },
    };
  }
  const field = Object.keys(MEDIA_FIELDS).find((key) => key in (raw as Record<string, unknown>));
  if (!field) return { kind: 'ignored', reason: 'unsupported message' };
  type TelegramFile = {
    file_id?: string;
    mime_type?: string;
    file_name?: string;
    file_size?: number;
  };
  const media = (raw as Record<string, TelegramFile | TelegramFile[]>)[field];
  // A photo comes in several sizes, smallest first: the largest is the one worth reading.
  const file = Array.isArray(media) ? media[media.length - 1] : media;
  const kind = MEDIA_FIELDS[field] as MediaType;
  // Telegram photos are always JPEG and carry no type; voice notes are Ogg Opus.
  const mimeType =
    file?.mime_type ??
    (field === 'photo' ? 'image/jpeg' : field === 'voice' ? 'audio/ogg' : undefined);
  const placeholder = mediaPlaceholder(kind, {
    caption: message.caption,
    mimetype: mimeType,
    fileName: file?.file_name,
  });
  if (!isAttachmentKind(kind) || typeof file?.file_id !== 'string') {
    return { kind: 'message', contact, externalId, ...placeholder };
  }
  const attachment: InboundAttachment = {
    kind,
    mimeType,
    fileName: file.file_name,
    caption: message.caption,
    sizeBytes: file.file_size,
    source: { file_id: file.file_id },
  };
  return { kind: 'message', contact, externalId, ...placeholder, attachments: [attachment] };
}
