/**
 * What the gateway remembers about each slot between calls: its breaker, a refused key, a
 * retry-after to wait out, the last error. The layers change it; `status()` reads it.
 */
import { type Breaker, type BreakerSettings, createBreaker } from './breaker.ts';
import type { Slot } from './providers.ts';

/** A refused key is tried again after this long, in case it was fixed at the provider's side. */
export const MISCONFIGURED_RECHECK_MS = 5 * 60_000;

export interface SlotState {
  slot: Slot;
  breaker: Breaker;
  misconfigured?: { reason: string; at: number };
  coolingUntil?: number;
  lastError?: { kind: string; message: string; at: number };
}

export interface SlotStates {
  /** The slot's state; a slot whose key or base URL changed starts afresh. */
  stateOf(slot: Slot): SlotState;
  get(id: string): SlotState | undefined;
  all(): Iterable<SlotState>;
}

export function createSlotStates(settings: BreakerSettings, now: () => number): SlotStates {
  const states = new Map<string, SlotState>();
  return {
    stateOf(slot) {
      const existing = states.get(slot.id);
      const sameCredentials =
        existing?.slot.apiKey === slot.apiKey && existing?.slot.baseUrl === slot.baseUrl;
      if (existing && sameCredentials) {
        existing.slot = slot;
        return existing;
      }
      const fresh: SlotState = { slot, breaker: createBreaker(settings, now) };
      states.set(slot.id, fresh);
      return fresh;
    },
    get: (id) => states.get(id),
    all: () => states.values(),
  };
}
