/**
 * The one `Retry-After` reader (RFC 9110 §10.2.3) for every outbound call: LLM providers, channels,
 * Slack and Chatwoot. Seconds or an HTTP date, in milliseconds from now, capped — a server that
 * answers `Retry-After: 86400` (or a date next year) must not park a reply for a day; past the cap
 * our own backoff and retry window decide. Hand-written: four lines, no library worth the weight.
 */

/** The longest wait a `Retry-After` can impose. */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;

export function parseRetryAfter(
  header: string | null | undefined,
  options: { now?: number; capMs?: number } = {},
): number | undefined {
  if (!header?.trim()) return undefined;
  const capMs = options.capMs ?? RETRY_AFTER_CAP_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(capMs, Math.max(0, seconds * 1000));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - (options.now ?? Date.now())));
}
