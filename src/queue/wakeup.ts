import { EventEmitter } from 'node:events';
import type { Stream } from './types.ts';

/**
 * Wakes consumers in this process as soon as something is enqueued (here, or in another process
 * through the backend's LISTEN/NOTIFY or blocking stream read); otherwise a wait ends when its
 * poll interval is up.
 *
 * A wake-up that comes while nobody waits (the consumer is still busy with its last claim) is
 * remembered, and the next wait on that stream ends at once: otherwise work that arrived just
 * after an empty claim would sit until the poll.
 *
 * The poll is a plain timer on purpose: an `AbortSignal.timeout` joined with `AbortSignal.any` can
 * be garbage-collected before it fires (nodejs/node#57736), and a lost poll is a consumer asleep
 * until the next notification — a stall of however long the quiet lasts.
 */
export function createWakeup() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const missed = new Set<Stream>();
  return {
    notify: (stream: Stream) => {
      if (!emitter.emit(stream)) missed.add(stream);
    },
    wait: (stream: Stream, timeoutMs: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (missed.delete(stream) || signal?.aborted) {
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          emitter.off(stream, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        emitter.on(stream, done);
        signal?.addEventListener('abort', done, { once: true });
      }),
  };
}
