/**
 * One HTTP call to an outside service (a channel provider, Chatwoot, Slack, a tenant webhook):
 * through the egress guard, bounded by a timeout and the caller's signal, the answer read whole.
 * Failures come back as two kinds the callers map to their own errors (failureAs): a refused address
 * (EgressError, permanent) and an unreachable service (OutsideUnreachableError, retryable). An
 * error status is an answer, not an exception: each caller classifies it its own way.
 */

import { awakeTimeout } from '../retry/index.ts';
import { guardedFetch } from './default-guard.ts';
import { EgressError, egressErrorIn } from './errors.ts';

export interface OutsideRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with its content type) unless undefined. */
  json?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Names the service in error messages ("Evolution API", "Slack"). */
  service: string;
}

export interface OutsideAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; the text itself when it is not JSON (a proxy's error page). */
  body: unknown;
}

/** The service could not be reached (network error, timeout): worth trying again. */
export class OutsideUnreachableError extends Error {
  readonly retryable = true;
  constructor(service: string, cause: unknown) {
    super(`${service} could not be reached: ${(cause as Error).message}`, { cause });
    this.name = 'OutsideUnreachableError';
  }
}

/**
 * For `callOutside(…).catch(…)`: throws the caller's own error in place of the failure, with the
 * one rule every caller shares — a refused address is permanent, an unreachable service is not.
 */
export function failureAs(
  toError: (message: string, options: { retryable: boolean; cause: unknown }) => Error,
): (failure: unknown) => never {
  return (failure) => {
    throw toError((failure as Error).message, {
      retryable: !(failure instanceof EgressError),
      cause: failure,
    });
  };
}

export async function callOutside(request: OutsideRequest): Promise<OutsideAnswer> {
  const timeout = awakeTimeout(request.timeoutMs);
  try {
    return await callWithin(request, timeout.signal);
  } finally {
    timeout.clear();
  }
}

async function callWithin(request: OutsideRequest, timeout: AbortSignal): Promise<OutsideAnswer> {
  const signals = [timeout, ...(request.signal ? [request.signal] : [])];
  let response: Response;
  try {
    response = await guardedFetch(request.url, {
      method: request.method ?? 'POST',
      headers: {
        ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw egressErrorIn(error) ?? new OutsideUnreachableError(request.service, error);
  }
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the caller sees the text and the status.
  }
  return { status: response.status, ok: response.ok, headers: response.headers, text, body };
}
