/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a random delay in [0, min(cap, base·2^(attempt-1))]. A one-liner, so no library.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs = 500,
  capMs = 60_000,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
