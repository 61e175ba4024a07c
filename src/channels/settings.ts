/**
 * Channel configuration (SPEC §6.7): the environment gives every tenant's default, a tenant's
 * settings override it under the same name in lower case (`evolution_instance`,
 * `telegram_bot_token`, …). MCP_WHATSAPP_URL / MCP_TOKEN are seed 000's names for the WhatsApp
 * simulator and stand in for EVOLUTION_URL / EVOLUTION_API_KEY.
 */
import type { Config } from '../config/index.ts';

const CHANNEL_KEYS = [
  'EVOLUTION_URL',
  'EVOLUTION_API_KEY',
  'EVOLUTION_INSTANCE',
  'WHATSAPP_ACCESS_TOKEN',
  'WHATSAPP_PHONE_NUMBER_ID',
  'WHATSAPP_APP_SECRET',
  'WHATSAPP_VERIFY_TOKEN',
  'WHATSAPP_GRAPH_URL',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'TELEGRAM_API_URL',
] as const;

export type ChannelKey = (typeof CHANNEL_KEYS)[number];
export type ChannelSettings = Partial<Record<ChannelKey, string>> & { groups: boolean };

export function channelSettings(
  config: Config,
  tenantSettings: Record<string, unknown> = {},
): ChannelSettings {
  const defaults: Partial<Record<ChannelKey, string | undefined>> = {
    ...Object.fromEntries(CHANNEL_KEYS.map((key) => [key, config[key]])),
    EVOLUTION_URL: config.EVOLUTION_URL ?? config.MCP_WHATSAPP_URL,
    EVOLUTION_API_KEY: config.EVOLUTION_API_KEY ?? config.MCP_TOKEN,
  };
  const resolved: ChannelSettings = {
    groups:
      typeof tenantSettings.channel_groups === 'boolean'
        ? tenantSettings.channel_groups
        : config.CHANNEL_GROUPS,
  };
  for (const key of CHANNEL_KEYS) {
    const own = tenantSettings[key.toLowerCase()];
    const value = typeof own === 'string' && own ? own : defaults[key];
    if (value) resolved[key] = value.replace(/\/+$/, '');
  }
  return resolved;
}
