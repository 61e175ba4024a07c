/**
 * One WebSocket to Omni that comes back after drops (backoff 1 s doubling to 15 s). Each time it
 * opens it says hello with the visitor's secret; Omni answers with the history, so a reconnect
 * resumes where the page left off. Close codes 4403/4404 mean "never": no retry.
 */
import type { ClientFrame, ServerFrame } from '../../../src/channels/webchat/protocol.ts';

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 15_000;
const CLOSED_FOR_GOOD = new Set([4403, 4404]);

export interface ConnectionEvents {
  onFrame(frame: ServerFrame): void;
  onStatus(status: 'connecting' | 'open' | 'reconnecting' | 'closed'): void;
}

export function connect(url: string, hello: () => ClientFrame, events: ConnectionEvents) {
  let socket: WebSocket | undefined;
  let retryMs = FIRST_RETRY_MS;
  let stopped = false;

  const open = () => {
    events.onStatus(socket ? 'reconnecting' : 'connecting');
    const next = new WebSocket(url);
    socket = next;
    next.onopen = () => {
      retryMs = FIRST_RETRY_MS;
      next.send(JSON.stringify(hello()));
      events.onStatus('open');
    };
    next.onmessage = (event) => {
      try {
        events.onFrame(JSON.parse(String(event.data)) as ServerFrame);
      } catch {
        // A frame we cannot read is dropped; the next `ready` brings the truth back.
      }
    };
    next.onclose = (event) => {
      if (stopped || CLOSED_FOR_GOOD.has(event.code)) {
        events.onStatus('closed');
        return;
      }
      events.onStatus('reconnecting');
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    };
  };
  open();

  return {
    /** False when the socket is not open: the caller keeps the frame and sends it after `ready`. */
    send(frame: ClientFrame): boolean {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    stop() {
      stopped = true;
      socket?.close();
    },
  };
}
