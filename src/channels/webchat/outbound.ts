/**
 * The web chat channel's outbound side. The database is the visitor's mailbox: the reply row is
 * already stored when the dispatcher gets here, so sending means accepting it. Marking the outbox
 * row `sent` announces the message on commit (pipeline/events.ts, a Postgres NOTIFY every process
 * hears), and whichever API process holds the visitor's socket pushes it; a visitor who is offline
 * reads it in the history when the widget reconnects. No process needs to hold the socket for the
 * send to succeed, which is what lets separate worker processes dispatch web chat replies.
 */
import type { ChannelAdapter, SendResult } from '../types.ts';
import { WEBCHAT_CHANNEL } from './history.ts';

export function createWebchatChannel(): ChannelAdapter {
  return {
    channel: WEBCHAT_CHANNEL,
    async send(message, signal): Promise<SendResult> {
      signal.throwIfAborted();
      return { providerMessageId: message.messageId };
    },
  };
}
