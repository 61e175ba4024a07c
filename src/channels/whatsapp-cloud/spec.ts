/**
 * WhatsApp Cloud API (SPEC §6.2), the pure half. Meta signs each webhook with
 * `X-Hub-Signature-256: sha256=<HMAC of the raw body under the app secret>`. One request may carry
 * messages (with the sender's profile in `contacts`), statuses of our own messages
 * (sent/delivered/read/failed; `read` may come without `delivered`) and errors. Graph API errors
 * are `{error: {code, message, error_data: {details}}}`; the codes decide what a retry can do:
 * 130429 (number throughput) and 131056 (pair rate) wait and retry, 131047 (24-hour window closed)
 * and 131026 (undeliverable) are permanent — the first one needs a person.
 */
import { z } from 'zod';
import type { InboundAttachment } from '../../media/index.ts';
import { isAttachmentKind, type MediaType, mediaPlaceholder } from '../media.ts';
import { headerOf, hmacSha256, sameSecret } from '../secrets.ts';
import {
  ChannelError,
  type ChannelSpec,
  type DeliveryState,
  type InboundEvent,
  isRetryableStatus,
  parseRetryAfter,
} from '../types.ts';

export const WHATSAPP_CLOUD_CHANNEL = 'whatsapp';
export const SIGNATURE_256_HEADER = 'x-hub-signature-256';

export interface WhatsAppCloudSecrets {
  appSecret?: string;
}

/** Meta's error codes that change what a retry can do. */
const CLOUD_ERRORS = {
  throughput: 130429,
  pairRate: 131056,
  outsideWindow: 131047,
  undeliverable: 131026,
} as const;

/** About one message per 6 s to one user (Meta's pair rate limit, error 131056). */
const PAIR_RATE_WAIT_MS = 6_000;
const THROUGHPUT_WAIT_MS = 1_000;

const errorSchema = z.looseObject({
  code: z.coerce.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

const valueSchema = z.looseObject({
  contacts: z
    .array(
      z.looseObject({
        wa_id: z.string(),
        profile: z.looseObject({ name: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  messages: z.array(z.record(z.string(), z.unknown())).optional(),
  statuses: z
    .array(
      z.looseObject({
        id: z.string(),
        status: z.string(),
        recipient_id: z.string().optional(),
        errors: z.array(errorSchema).optional(),
      }),
    )
    .optional(),
  errors: z.array(errorSchema).optional(),
});

const webhookSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      changes: z.array(z.looseObject({ field: z.string().optional(), value: z.unknown() })),
    }),
  ),
});

const MEDIA_TYPES: Record<string, MediaType> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contacts: 'contact',
};

const STATES: Record<string, DeliveryState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

export const whatsappCloudSpec: ChannelSpec<WhatsAppCloudSecrets> = {
  channel: WHATSAPP_CLOUD_CHANNEL,
  // Text message body: at most 4096 characters.
  textLimit: 4096,

  verify(request, secrets) {
    if (!secrets.appSecret) return false;
    return sameSecret(
      headerOf(request.headers, SIGNATURE_256_HEADER),
      hmacSha256(request.rawBody, secrets.appSecret),
    );
  },

  parse(body, options) {
    const webhook = webhookSchema.safeParse(body);
    if (!webhook.success || webhook.data.object !== 'whatsapp_business_account') {
      return [{ kind: 'ignored', reason: 'not a WhatsApp Business Account webhook' }];
    }
    const events: InboundEvent[] = [];
    for (const entry of webhook.data.entry) {
      for (const change of entry.changes) {
        const value = valueSchema.safeParse(change.value);
        if (!value.success || (change.field && change.field !== 'messages')) {
          events.push({ kind: 'ignored', reason: `field ${change.field ?? 'unknown'}` });
          continue;
        }
        const names = new Map(
          (value.data.contacts ?? []).map((c) => [c.wa_id, c.profile?.name] as const),
        );
        for (const message of value.data.messages ?? []) {
          events.push(parseMessage(message, names, options.groups));
        }
        for (const status of value.data.statuses ?? []) {
          const state = STATES[status.status];
          if (!state) {
            events.push({ kind: 'ignored', reason: `status ${status.status}` });
            continue;
          }
          const error = status.errors?.[0];
          events.push({
            kind: 'status',
            providerMessageId: status.id,
            state,
            ...(error ? { error: { code: error.code, message: describe(error) } } : {}),
            needsHuman: state === 'failed' && error?.code === CLOUD_ERRORS.outsideWindow,
          });
        }
        for (const error of value.data.errors ?? []) {
          events.push({ kind: 'ignored', reason: `error ${describe(error)}` });
        }
      }
    }
    return events;
  },

  classify(answer) {
    const parsed = errorSchema.safeParse((answer.body as { error?: unknown } | undefined)?.error);
    const error = parsed.success ? parsed.data : undefined;
    const code = error?.code;
    const message = `WhatsApp Cloud API answered HTTP ${answer.status}${error ? `: ${describe(error)}` : ''}`;
    const headerWait = parseRetryAfter(answer.headers.get('retry-after'));
    switch (code) {
      case CLOUD_ERRORS.throughput:
        return new ChannelError(message, {
          retryable: true,
          retryAfterMs: headerWait ?? THROUGHPUT_WAIT_MS,
          holdsSender: true,
          status: answer.status,
          code,
        });
      case CLOUD_ERRORS.pairRate:
        return new ChannelError(message, {
          retryable: true,
          retryAfterMs: headerWait ?? PAIR_RATE_WAIT_MS,
          status: answer.status,
          code,
        });
      case CLOUD_ERRORS.outsideWindow:
        return new ChannelError(message, {
          retryable: false,
          needsHuman: true,
          status: answer.status,
          code,
        });
      case CLOUD_ERRORS.undeliverable:
        return new ChannelError(message, { retryable: false, status: answer.status, code });
      default:
        return new ChannelError(message, {
          retryable: isRetryableStatus(answer.status),
          retryAfterMs: headerWait,
          status: answer.status,
          code,
        });
    }
  },
};

function parseMessage(
  message: Record<string, unknown>,
  names: Map<string, string | undefined>,
  groups: boolean,
): InboundEvent {
  const from = typeof message.from === 'string' ? message.from : undefined;
  const id = typeof message.id === 'string' ? message.id : undefined;
  const type = typeof message.type === 'string' ? message.type : 'unknown';
  if (!from || !id) return { kind: 'ignored', reason: 'message without sender or id' };
  if (message.group_id !== undefined && !groups)
    return { kind: 'ignored', reason: 'group message' };
  const contact = { externalId: from, name: names.get(from) || undefined, phone: from };
  const text = textOf(message, type);
  if (text) return { kind: 'message', contact, externalId: id, text };
  const mediaType = MEDIA_TYPES[type];
  if (!mediaType) return { kind: 'ignored', reason: `${type} message` };
  const media = (message[type] ?? {}) as {
    id?: string;
    caption?: string;
    mime_type?: string;
    filename?: string;
    voice?: boolean;
  };
  const kind = mediaType === 'audio' && media.voice === true ? 'voice' : mediaType;
  const placeholder = mediaPlaceholder(kind, {
    caption: media.caption,
    mimetype: media.mime_type,
    fileName: media.filename,
  });
  if (!isAttachmentKind(kind) || typeof media.id !== 'string') {
    return { kind: 'message', contact, externalId: id, ...placeholder };
  }
  // Media ids live 7 days and their download URLs 5 minutes: only the id is kept, and the turn
  // downloads the file at once (Graph media URL → the file, both with the token).
  const attachment: InboundAttachment = {
    kind,
    mimeType: media.mime_type,
    fileName: media.filename,
    caption: media.caption,
    source: { media_id: media.id },
  };
  return { kind: 'message', contact, externalId: id, ...placeholder, attachments: [attachment] };
}

/** Text, and the visible text of button and list replies. */
function textOf(message: Record<string, unknown>, type: string): string | undefined {
  const pick = (value: unknown) => (typeof value === 'string' && value.trim() ? value : undefined);
  if (type === 'text') return pick((message.text as { body?: unknown } | undefined)?.body);
  if (type === 'button') return pick((message.button as { text?: unknown } | undefined)?.text);
  if (type === 'interactive') {
    const interactive = message.interactive as
      | { button_reply?: { title?: unknown }; list_reply?: { title?: unknown } }
      | undefined;
    return pick(interactive?.button_reply?.title ?? interactive?.list_reply?.title);
  }
  return undefined;
}

function describe(error: z.infer<typeof errorSchema>): string {
  const text = error.error_data?.details ?? error.message ?? error.title ?? 'unknown error';
  return error.code === undefined ? text : `(#${error.code}) ${text}`;
}
