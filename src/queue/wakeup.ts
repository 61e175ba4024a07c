import { EventEmitter, once } from 'node:events';
import type { Stream } from './types.ts';

/**
 * Wakes consumers in this process as soon as something is enqueued here; other processes fall
 * back to polling. In the embedded profile everything is one process, so wake-ups are immediate.
 */
export function createWakeup() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    notify: (stream: Stream) => emitter.emit(stream),
    wait: async (stream: Stream, timeoutMs: number, signal?: AbortSignal) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      await once(emitter, stream, { signal: combined }).catch(() => {});
    },
  };
}
