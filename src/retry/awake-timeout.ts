/**
 * A timeout that counts only the time this process was running. `AbortSignal.timeout` counts wall
 * time, so a process stopped (SIGSTOP, a long GC pause, a starved container) longer than a send's
 * timeout aborts the send the moment it resumes — even when the channel's answer is already
 * waiting in the socket — and the reply is then sent a second time. Ticking and adding at most
 * two ticks per tick makes a stall count as a couple of ticks.
 */
const TICK_MS = 100;

export interface AwakeTimeout {
  signal: AbortSignal;
  /** Stops the ticking once the guarded call is over. */
  clear(): void;
}

export function awakeTimeout(ms: number): AwakeTimeout {
  const controller = new AbortController();
  let spent = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    spent += Math.min(now - last, TICK_MS * 2);
    last = now;
    if (spent >= ms) {
      clearInterval(timer);
      controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
    }
  }, TICK_MS);
  timer.unref();
  return { signal: controller.signal, clear: () => clearInterval(timer) };
}
