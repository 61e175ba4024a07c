/**
 * The live feed (`/api/v1/events`): calls `onEvent` for every change in the tenant, reconnecting
 * after drops. After a reconnect it reports a `resync` so views reload what they may have missed.
 */
import { useEffect, useRef } from 'react';

export type LiveEvent =
  | { type: 'message'; conversation_id: string; message_id: string; state: string }
  | { type: 'conversation'; conversation_id: string; change: string }
  | { type: 'resync' };

export function useLiveEvents(onEvent: (event: LiveEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retryMs = 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = () => {
      const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/events`;
      const next = new WebSocket(url);
      socket = next;
      next.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as LiveEvent | { type: 'hello' };
        if (frame.type === 'hello') {
          retryMs = 1000;
          handler.current({ type: 'resync' });
        } else handler.current(frame);
      };
      next.onclose = () => {
        if (stopped) return;
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 15_000);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, []);
}
