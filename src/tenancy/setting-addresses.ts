/**
 * Tenant settings that name an address Omni will call: refused when written if the egress guard
 * refuses them (a clear 400 instead of a send that fails later). The guard checks them again on
 * every connection, so a name that changes what it resolves to is still caught.
 */
import { assertEgressAllowed, EgressError } from '../egress/index.ts';

/** Settings whose value is an http(s) URL Omni calls. */
export const URL_SETTINGS = [
  'outbound_webhook_url',
  'evolution_url',
  'telegram_api_url',
  'whatsapp_graph_url',
  'chatwoot_url',
  'slack_webhook_url',
] as const;

const SMTP_SCHEMES = new Set(['smtp:', 'smtps:']);

async function checkSetting(setting: string, value: string): Promise<void> {
  try {
    await assertEgressAllowed(value);
  } catch (error) {
    throw error instanceof EgressError ? error.forSetting(setting) : error;
  }
}

/** SMTP is not HTTP: its scheme is its own, its host is judged like an http one. */
async function checkSmtpUrl(value: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return checkSetting('smtp_url', value);
  }
  if (!SMTP_SCHEMES.has(url.protocol)) return checkSetting('smtp_url', value);
  await checkSetting('smtp_url', `http://${url.host}/`);
}

/** Checks the addresses among `changes` (the settings an update writes). */
export async function assertSettingAddresses(changes: Record<string, unknown>): Promise<void> {
  for (const setting of URL_SETTINGS) {
    const value = changes[setting];
    if (typeof value === 'string' && value.trim()) await checkSetting(setting, value.trim());
  }
  if (typeof changes.smtp_url === 'string' && changes.smtp_url.trim())
    await checkSmtpUrl(changes.smtp_url.trim());
  const providers = changes.providers;
  if (providers && typeof providers === 'object') {
    for (const [name, credentials] of Object.entries(providers)) {
      const baseUrl = (credentials as { base_url?: unknown } | null)?.base_url;
      if (typeof baseUrl === 'string' && baseUrl.trim())
        await checkSetting(`providers.${name}.base_url`, baseUrl.trim());
    }
  }
}
