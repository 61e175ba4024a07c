/**
 * One HTTP call to a channel provider: JSON in and out, bounded by the send's signal and a
 * timeout. "Could not reach it" is always retryable; an error answer is classified by the channel.
 */
import { awakeTimeout } from '../retry/index.ts';
import { ChannelError, type ProviderAnswer } from './types.ts';

export interface ProviderCall {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs: number;
  /** Names the provider in error messages ("Evolution API", "Telegram"). */
  provider: string;
  classify(answer: ProviderAnswer): ChannelError;
}

export async function callProvider<T>(call: ProviderCall): Promise<T> {
  const timeout = awakeTimeout(call.timeoutMs);
  try {
    return await callWithin<T>(call, timeout.signal);
  } finally {
    timeout.clear();
  }
}

async function callWithin<T>(call: ProviderCall, timeout: AbortSignal): Promise<T> {
  const signals = [timeout, ...(call.signal ? [call.signal] : [])];
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method ?? 'POST',
      headers: {
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw new ChannelError(`${call.provider} could not be reached: ${(error as Error).message}`, {
      retryable: true,
      cause: error,
    });
  }
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): classified by its status alone.
  }
  if (!response.ok)
    throw call.classify({ status: response.status, body, headers: response.headers });
  return body as T;
}
