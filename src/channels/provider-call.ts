/**
 * One HTTP call to a channel provider through the egress guard (src/egress): JSON in and out,
 * bounded by the send's signal and a timeout. "Could not reach it" is retryable, a refused address
 * is not; an error answer is classified by the channel.
 */
import { callOutside, failureAs, guardedFetch } from '../egress/index.ts';
import type { FetchedMedia } from '../media/index.ts';
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
  const answer = await callOutside({
    url: call.url,
    method: call.method,
    headers: call.headers,
    json: call.body,
    signal: call.signal,
    timeoutMs: call.timeoutMs,
    service: call.provider,
  }).catch(failureAs((message, options) => new ChannelError(message, options)));
  if (!answer.ok) throw call.classify(answer);
  return answer.body as T;
}

/**
 * Downloads a file a provider holds for us (a Cloud API media URL, a Telegram file path) through
 * the egress guard: the bytes and the type the provider states. Failures are ChannelErrors like
 * any other provider call; a refused address is not worth retrying.
 */
export async function downloadFromProvider(call: {
  url: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs: number;
  provider: string;
  classify(answer: ProviderAnswer): ChannelError;
}): Promise<FetchedMedia> {
  // A plain timer, not AbortSignal.timeout: joined by AbortSignal.any it can be collected before
  // it fires (nodejs/node#57736), and a hung download would hold its turn.
  const timeout = awakeTimeout(call.timeoutMs);
  const signal = call.signal ? AbortSignal.any([timeout.signal, call.signal]) : timeout.signal;
  try {
    return await download(call, signal);
  } finally {
    timeout.clear();
  }
}

async function download(
  call: { url: string; headers?: Record<string, string>; provider: string } & Pick<
    ProviderCall,
    'classify'
  >,
  signal: AbortSignal,
): Promise<FetchedMedia> {
  const response = await guardedFetch(call.url, {
    method: 'GET',
    headers: call.headers,
    signal,
  }).catch(
    failureAs(
      (message, options) =>
        new ChannelError(
          `${call.provider}: the file could not be downloaded (${message})`,
          options,
        ),
    ),
  );
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the classifier sees the text.
    }
    throw call.classify({ status: response.status, body, headers: response.headers });
  }
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    mimeType: response.headers.get('content-type') ?? undefined,
  };
}
