import { EventEmitter } from 'node:events';
import type { Stream } from './types.ts';

/**
 * Wakes consumers in this process as soon as something is enqueued (here, or in another process
 * through the backend's LISTEN/NOTIFY); otherwise a wait ends when its poll interval is up.
 *
 * The poll is a plain timer on purpose: an `AbortSignal.timeout` joined with `AbortSignal.any` can
 * be garbage-collected before it fires (nodejs/node#57736), and a lost poll is a consumer asleep
 * until the next notification — a stall of however long the quiet lasts.
 */
export function createWakeup() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    notify: (stream: Stream) => emitter.emit(stream),
    wait: (stream: Stream, timeoutMs: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          emitter.off(stream, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        emitter.on(stream, done);
        signal?.addEventListener('abort', done, { once: true });
        if (signal?.aborted) done();
      }),
  };
}
