/**
 * The visitors' sockets of this process, by the conversation they watch, and what each message
 * event means for them. Events come from every process (pipeline/events.ts): the reply to a
 * visitor connected here may have been dispatched by a worker elsewhere. A socket watches the
 * visitor's latest conversation; the route moves it when a message opens a new one.
 */
import type { Db } from '../../storage/index.ts';
import { visibleMessage } from './history.ts';
import type { ServerFrame } from './protocol.ts';

export interface VisitorSocket {
  send(frame: ServerFrame): void;
}

/** The message states a visitor's widget reacts to, and how. */
const SHOW_MESSAGE = new Set(['received', 'sent']);
const TYPING_ON = new Set(['processing']);
/** A turn that ends without a reply for now: a human was called, or every attempt failed. */
const TYPING_OFF = new Set(['awaiting_human', 'failed', 'cancelled']);

export interface HubEvent {
  conversationId: string;
  messageId: string;
  state: string;
}

export interface WebchatHub {
  watch(socket: VisitorSocket, conversationId: string): void;
  leave(socket: VisitorSocket): void;
  handle(events: HubEvent[]): Promise<void>;
  /** Sockets connected to this process. */
  size(): number;
}

export function createWebchatHub(db: Db): WebchatHub {
  const byConversation = new Map<string, Set<VisitorSocket>>();
  const watched = new Map<VisitorSocket, string>();

  const leave = (socket: VisitorSocket) => {
    const conversationId = watched.get(socket);
    if (conversationId === undefined) return;
    watched.delete(socket);
    const sockets = byConversation.get(conversationId);
    sockets?.delete(socket);
    if (sockets?.size === 0) byConversation.delete(conversationId);
  };

  const broadcast = (conversationId: string, frame: ServerFrame) => {
    for (const socket of byConversation.get(conversationId) ?? []) socket.send(frame);
  };

  return {
    watch(socket, conversationId) {
      if (watched.get(socket) === conversationId) return;
      leave(socket);
      watched.set(socket, conversationId);
      const sockets = byConversation.get(conversationId) ?? new Set();
      sockets.add(socket);
      byConversation.set(conversationId, sockets);
    },
    leave,
    async handle(events) {
      for (const event of events) {
        if (!byConversation.has(event.conversationId)) continue;
        if (TYPING_ON.has(event.state))
          broadcast(event.conversationId, { type: 'typing', on: true });
        if (TYPING_OFF.has(event.state))
          broadcast(event.conversationId, { type: 'typing', on: false });
        if (SHOW_MESSAGE.has(event.state)) {
          const message = await visibleMessage(db, event.messageId);
          if (message) broadcast(event.conversationId, { type: 'message', message });
        }
      }
    },
    size: () => watched.size,
  };
}
