/**
 * Inbound e-mail (SPEC §6.5): the JSON an inbound-parse service posts (SendGrid, Mailgun,
 * Postmark and Cloudflare Email Workers all produce these fields under one name or another) turned
 * into a channel message. The contact is the sender's address; the Message-ID dedupes redeliveries.
 * Attachments (`attachments: [{filename, content_type, content}]`, base64) all become the
 * message's attachments, so a document is read and quoted to the agent like any channel's.
 */
import { convert } from 'html-to-text';
import { z } from 'zod';
import type { InboundAttachment, MediaKind } from '../../media/index.ts';

const address = z.union([
  z.string().trim().min(3).max(400),
  z.object({
    address: z.string().trim().min(3).max(320),
    name: z.string().trim().max(200).optional(),
  }),
]);

export const inboundEmailSchema = z.object({
  from: address,
  subject: z.string().max(998).default(''),
  text: z.string().max(200_000).optional(),
  html: z.string().max(1_000_000).optional(),
  message_id: z.string().trim().min(3).max(998),
  in_reply_to: z.string().trim().max(998).optional(),
  references: z.union([z.string().max(20_000), z.array(z.string().max(998)).max(100)]).optional(),
  /** Every attached file, its content in base64 (size and type are checked by the media step). */
  attachments: z
    .array(
      z.object({
        filename: z.string().max(500).optional(),
        content_type: z.string().max(200),
        content: z.base64(),
      }),
    )
    .max(20)
    .optional(),
});

export type InboundEmail = z.infer<typeof inboundEmailSchema>;

export interface ParsedEmail {
  sender: { address: string; name?: string };
  externalId: string;
  text: string;
  /** Kept on the message so a reply can thread under it. */
  thread: EmailThread;
  /** Every attachment, none skipped. */
  attachments: InboundAttachment[];
}

export interface EmailThread {
  messageId: string;
  subject: string;
  references: string[];
}

const NAMED_ADDRESS = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/;

export function parseInboundEmail(email: InboundEmail): ParsedEmail | { empty: true } {
  const sender = parseAddress(email.from);
  const body = email.text ?? (email.html ? convert(email.html, { wordwrap: false }) : '');
  const attachments = (email.attachments ?? []).map(
    (file, index): InboundAttachment => ({
      kind: kindOf(file.content_type),
      mimeType: file.content_type,
      fileName: file.filename,
      source: { attachment: index },
      inline: new Uint8Array(Buffer.from(file.content, 'base64')),
    }),
  );
  const text = withoutQuotedReply(body).trim();
  if (!text && attachments.length === 0) return { empty: true };
  const messageId = bracketed(email.message_id);
  const references =
    typeof email.references === 'string'
      ? email.references.split(/\s+/).filter(Boolean)
      : (email.references ?? []);
  return {
    sender,
    externalId: messageId,
    text,
    attachments,
    thread: {
      messageId,
      subject: email.subject,
      references: [...references.map(bracketed), messageId].slice(-20),
    },
  };
}

function kindOf(contentType: string): MediaKind {
  const type = contentType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return 'document';
}

function parseAddress(from: InboundEmail['from']): { address: string; name?: string } {
  if (typeof from !== 'string')
    return { address: from.address.toLowerCase(), name: from.name || undefined };
  const named = NAMED_ADDRESS.exec(from);
  if (named)
    return { address: (named[2] ?? '').trim().toLowerCase(), name: named[1]?.trim() || undefined };
  return { address: from.trim().toLowerCase() };
}

function bracketed(id: string): string {
  const trimmed = id.trim();
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}

/**
 * Drops the quoted earlier message a mail client appends ("> …" lines and the "On … wrote:" /
 * "Em … escreveu:" line above them), so the bot answers only what is new.
 */
function withoutQuotedReply(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const quoteStart = lines.findIndex(
    (line, i) =>
      /^(On|Em)\s.+(wrote|escreveu):\s*$/i.test(line.trim()) ||
      (line.startsWith('>') &&
        lines.slice(i).every((rest) => rest.startsWith('>') || !rest.trim())),
  );
  return (quoteStart === -1 ? lines : lines.slice(0, quoteStart)).join('\n');
}
