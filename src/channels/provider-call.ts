/**
 * One HTTP call to a channel provider through the egress guard (src/egress): JSON in and out,
 * bounded by the send's signal and a timeout. "Could not reach it" is retryable, a refused address
 * is not; an error answer is classified by the channel.
 */
import { callOutside, failureAs } from '../egress/index.ts';
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
