/**
 * Outbound e-mail over SMTP (SPEC §6.5) with nodemailer. A reply threads under the contact's last
 * message (In-Reply-To, References, "Re: subject") and carries a Message-ID derived from the
 * idempotency key, so a retried send is recognisable as the same message by the receiving side.
 */
import type { Transporter } from 'nodemailer';
import { assertEgressAllowed } from '../../egress/index.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from '../types.ts';
import { ChannelError } from '../types.ts';
import type { EmailThread } from './inbound.ts';

export const EMAIL_CHANNEL = 'email';

export interface EmailTarget {
  smtpUrl?: string;
  from: string;
  /**
   * The SMTP URL is a tenant's: its host goes through the egress policy before each send. SMTP is
   * not HTTP, so this is a check of what the host resolves to just before nodemailer connects
   * (nodemailer resolves it again itself), not the per-connection check guardedFetch makes.
   */
  tenantChosen?: boolean;
}

export function createEmailChannel(deps: {
  targetOf: (tenantId: string) => Promise<EmailTarget>;
  threadOf: (conversationId: string) => Promise<EmailThread | undefined>;
  timeoutMs: number;
}): ChannelAdapter {
  // One pooled transport per SMTP URL: connections are reused across sends.
  const transports = new Map<string, Transporter>();
  const transportFor = async (url: string) => {
    let transport = transports.get(url);
    if (!transport) {
      // Loaded at the first e-mail sent: ~6 MB of RSS that instances without e-mail never use.
      const { createTransport } = await import('nodemailer');
      transport = createTransport(smtpOptions(url, deps.timeoutMs));
      transports.set(url, transport);
    }
    return transport;
  };
  return {
    channel: EMAIL_CHANNEL,
    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const target = await deps.targetOf(message.tenantId);
      if (!target.smtpUrl) {
        throw new ChannelError('E-mail replies need SMTP_URL (or the tenant setting smtp_url).', {
          retryable: false,
        });
      }
      if (target.tenantChosen) {
        const host = new URL(target.smtpUrl).host;
        await assertEgressAllowed(`http://${host}/`).catch((error: unknown) => {
          throw new ChannelError((error as Error).message, { retryable: false, cause: error });
        });
      }
      signal.throwIfAborted();
      const thread = await deps.threadOf(message.conversationId);
      const domain = target.from.match(/@([^>\s]+)/)?.[1] ?? 'omni.local';
      const messageId = `<${message.idempotencyKey}@${domain}>`;
      try {
        const transport = await transportFor(target.smtpUrl);
        const info = await transport.sendMail({
          from: target.from,
          to: message.to,
          subject: replySubject(thread?.subject),
          text: message.text,
          messageId,
          inReplyTo: thread?.messageId,
          references: thread?.references,
        });
        return { providerMessageId: info.messageId ?? messageId };
      } catch (error) {
        throw smtpError(error);
      }
    },
  };
}

/** SMTP_URL into nodemailer options, so the send timeout applies too (the URL form has no place for it). */
function smtpOptions(url: string, timeoutMs: number) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: Number(parsed.port) || (secure ? 465 : 587),
    secure,
    auth: parsed.username
      ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) }
      : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

function replySubject(subject: string | undefined): string {
  if (!subject) return 'Re:';
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`;
}

/** SMTP 4xx is "try later", 5xx is "never"; no reply code at all means the server was not reached. */
function smtpError(error: unknown): ChannelError {
  const code = (error as { responseCode?: number }).responseCode;
  const detail = (error as Error).message;
  if (code !== undefined && code >= 500) {
    return new ChannelError(`The mail server refused the message: ${detail}`, {
      retryable: false,
      status: code,
      cause: error,
    });
  }
  return new ChannelError(`The mail server could not take the message now: ${detail}`, {
    retryable: true,
    status: code,
    cause: error,
  });
}
