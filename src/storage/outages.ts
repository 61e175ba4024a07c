/**
 * The state of one dependency connection (the database pool, its LISTEN connection, Redis) as
 * its errors and recoveries come in. A server that goes away makes every connection and every
 * retry fail, many times a second: the log gets one line when the outage begins and one when it
 * ends, with the component's name, and the counters get the rest.
 */
import type { Logger } from 'pino';
import { describeConnectionError } from './errors.ts';

/** Structural, so storage needs no metrics library: a prom-client Counter fits. */
interface LabelledCounter {
  inc(labels: { component: string }): void;
}

export interface OutageCounters {
  /** Every connection error seen, in or out of an outage. */
  errors: LabelledCounter;
  /** Outages begun: the first error after the dependency was up. */
  outages: LabelledCounter;
}

export interface DependencyWatch {
  readonly component: string;
  /** True between the first error of an outage and the next success. */
  readonly down: boolean;
  failed(error: unknown): void;
  succeeded(): void;
}

export function watchDependency(
  component: string,
  logger: Logger,
  counters?: OutageCounters,
): DependencyWatch {
  let down = false;
  let since = 0;
  return {
    component,
    get down() {
      return down;
    },
    failed(error) {
      counters?.errors.inc({ component });
      if (down) return;
      down = true;
      since = Date.now();
      counters?.outages.inc({ component });
      logger.warn(
        { component, error: describeConnectionError(error) },
        `${component} unavailable; retrying in the background`,
      );
    },
    succeeded() {
      if (!down) return;
      down = false;
      logger.info({ component, down_ms: Date.now() - since }, `${component} available again`);
    },
  };
}

/** Longest wait between two reconnection attempts: a recovered server is found within this. */
export const RECONNECT_CAP_MS = 2_000;

/**
 * Capped exponential backoff with "equal jitter" (half fixed, half random): never a tight loop
 * against a dead server, and processes that lost it together do not return in lockstep.
 */
export function reconnectDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(RECONNECT_CAP_MS, 100 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
