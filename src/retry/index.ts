/** Retry timing shared by every outbound call (channels, LLM providers, integrations). */
export { type AwakeTimeout, awakeTimeout } from './awake-timeout.ts';
export { parseRetryAfter, RETRY_AFTER_CAP_MS } from './retry-after.ts';
