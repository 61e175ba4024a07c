export type StorageErrorCode = 'embedded_locked' | 'unreachable' | 'migration_failed' | 'row_taken';

/** A storage failure with a stable code; the message is one sentence an operator can act on. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** Connection-level failures (server down, network cut, pool timeout), as opposed to bad SQL. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  // A query sent on a pooled client whose connection broke a moment ago.
  /client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
];

/** True when `error`, or any error in its cause chain, says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e instanceof StorageError && e.code === 'unreachable') return true;
    // A dual-stack connect refused on every address: an AggregateError of refusals.
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some((one) => isDatabaseUnavailable(one))) return true;
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (
      typeof e.message === 'string' &&
      UNAVAILABLE_MESSAGES.some((re) => re.test(e?.message as string))
    )
      return true;
  }
  return false;
}

/** One line for a connection failure; pg reports a refused dual-stack connect as an AggregateError with no message. */
export function describeConnectionError(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  return e.message || e.errors?.map((inner) => inner.message).join('; ') || e.code || String(error);
}

/** ioredis's ways of saying the server is away (commands fail fast while it reconnects). */
const REDIS_UNAVAILABLE = [
  /max retries per request/i,
  /connection is closed/i,
  /stream isn't writeable/i,
  /enableOfflineQueue/i,
];

/** True when `error` says Redis could not be reached (a reconnection is under way). */
export function isRedisUnavailable(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown } | undefined;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  return (
    typeof e?.message === 'string' && REDIS_UNAVAILABLE.some((re) => re.test(e.message as string))
  );
}

/** A dependency (the database or Redis) is away: retry later, never a reason to stop. */
export function isDependencyUnavailable(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isRedisUnavailable(error);
}
