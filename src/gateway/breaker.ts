/**
 * A circuit breaker per slot (SPEC §5.3): `threshold` consecutive failures open it; after
 * `cooldownMs` one probe goes through (half-open); its success closes the breaker, its failure
 * opens it for another cooldown. Per process: each process learns on its own, which costs at most
 * `threshold` failed calls per process.
 */
import type { BreakerState } from './types.ts';

export interface BreakerSettings {
  threshold: number;
  cooldownMs: number;
}

export interface Breaker {
  /** Whether a request may go now; in half-open, true once until the probe reports back. */
  tryPass(): boolean;
  success(): void;
  failure(): void;
  /** A passed request was not sent after all (a later check skipped it): not a probe result. */
  release(): void;
  state(): BreakerState;
  consecutiveFailures(): number;
}

export function createBreaker(settings: BreakerSettings, now: () => number): Breaker {
  let failures = 0;
  let openedAt: number | undefined;
  // A probe that never reports back (its call was cancelled) stops blocking after one cooldown.
  let probeStartedAt: number | undefined;
  const probing = () =>
    probeStartedAt !== undefined && now() - probeStartedAt < settings.cooldownMs;

  const state = (): BreakerState => {
    if (openedAt === undefined) return 'closed';
    return now() - openedAt >= settings.cooldownMs ? 'half_open' : 'open';
  };

  return {
    tryPass() {
      const current = state();
      if (current === 'closed') return true;
      if (current === 'open' || probing()) return false;
      probeStartedAt = now();
      return true;
    },
    success() {
      failures = 0;
      openedAt = undefined;
      probeStartedAt = undefined;
    },
    failure() {
      failures += 1;
      probeStartedAt = undefined;
      if (failures >= settings.threshold || openedAt !== undefined) openedAt = now();
    },
    release() {
      probeStartedAt = undefined;
    },
    state,
    consecutiveFailures: () => failures,
  };
}
