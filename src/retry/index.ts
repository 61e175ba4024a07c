/** Retry timing shared by every outbound call (channels, LLM providers, integrations). */
export { parseRetryAfter, RETRY_AFTER_CAP_MS } from './retry-after.ts';
