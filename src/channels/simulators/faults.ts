/**
 * Fault injection shared by the channel simulators: answer slowly, answer an error status a number
 * of times (429 with a retry-after, 500…), or act disconnected.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface SimFaults {
  /** Delay before every answer. */
  latencyMs?: number;
  /** Answer this HTTP status to the next `times` sends (default: every send until changed). */
  status?: number;
  times?: number;
  /** Let this many sends through before the status applies (fail the second part of a reply). */
  afterSends?: number;
  /** Seconds to wait, announced with a 429. */
  retryAfterS?: number;
  /** The provider's own error code in the error body (Meta's 131047, …). */
  errorCode?: number;
  /** The phone/bot is offline: connection state `close`, sends fail. */
  disconnected?: boolean;
}

export interface FaultState {
  set(faults: SimFaults): void;
  current(): SimFaults;
  /** Waits the latency; returns the status to fail this send with, if any (and counts it). */
  beforeSend(): Promise<{ status: number; retryAfterS?: number; errorCode?: number } | undefined>;
}

export function faultState(initial: SimFaults = {}): FaultState {
  let faults: SimFaults = { ...initial };
  let remaining = initial.times ?? Number.POSITIVE_INFINITY;
  let passes = initial.afterSends ?? 0;
  return {
    set(next) {
      faults = { ...next };
      remaining = next.times ?? Number.POSITIVE_INFINITY;
      passes = next.afterSends ?? 0;
    },
    current: () => ({ ...faults }),
    async beforeSend() {
      if (faults.latencyMs) await sleep(faults.latencyMs);
      if (!faults.status || remaining <= 0) return undefined;
      if (passes > 0) {
        passes--;
        return undefined;
      }
      remaining--;
      return {
        status: faults.status,
        retryAfterS: faults.retryAfterS,
        errorCode: faults.errorCode,
      };
    },
  };
}

/** Resolves once `ready()` gives a value, polling; rejects after `timeoutMs`. */
export async function waitUntil<T>(
  ready: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = ready();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Simulator: timed out waiting for ${what}.`);
    await sleep(20);
  }
}

/** The sends once there are `count` of them (a copy); rejects after `timeoutMs`. */
export function waitForSends<T>(sent: T[], count: number, timeoutMs = 10_000): Promise<T[]> {
  return waitUntil(
    () => (sent.length >= count ? [...sent] : undefined),
    timeoutMs,
    `${count} sends`,
  );
}
