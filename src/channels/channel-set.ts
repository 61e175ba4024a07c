/**
 * The messaging channels of one Omni process (SPEC §6), built once at start: the outbound adapters
 * the dispatcher sends through, their health checks, per-tenant settings, what inbound webhooks
 * hand their events to, and the Telegram poller for TELEGRAM_MODE=polling.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import type { HealthCheck, Logger } from '../observability/index.ts';
import type { Db } from '../storage/index.ts';
import { getTenant } from '../tenancy/index.ts';
import type { AdapterDeps } from './adapter-deps.ts';
import { createEvolutionChannel } from './evolution/index.ts';
import { createPacer, createRedisPacer, pacingRules } from './pacing.ts';
import type { ChannelIngest, ReceiveDeps } from './receive.ts';
import { type ChannelSettings, channelSettings } from './settings.ts';
import {
  createTelegramChannel,
  startTelegramPolling,
  type TelegramPoller,
} from './telegram/index.ts';
import type { ChannelAdapter } from './types.ts';
import { createWhatsAppCloudChannel } from './whatsapp-cloud/index.ts';

export interface ChannelSet {
  adapters: ChannelAdapter[];
  healthChecks: HealthCheck[];
  settingsOf(tenantId: string): Promise<ChannelSettings>;
  receiveDeps: ReceiveDeps;
  /** Starts the pollers the configuration asks for (TELEGRAM_MODE=polling); once per process. */
  startPolling(): void;
  stopPolling(): Promise<void>;
}

export function createChannelSet(deps: {
  config: Config;
  db: Db;
  logger: Logger;
  ingest: ChannelIngest;
  /** The scale profile's Redis: pacing shared by every process, the `status:<id>` mirror. */
  redis?: Redis;
}): ChannelSet {
  const { config, db, logger } = deps;
  const settingsOf = async (tenantId: string) =>
    channelSettings(config, (await getTenant(db, tenantId)).settings);
  const defaults = channelSettings(config);
  const adapterDeps: AdapterDeps = {
    db,
    logger,
    pacer: deps.redis
      ? createRedisPacer(deps.redis, pacingRules(config.CHANNEL_PACING))
      : createPacer(pacingRules(config.CHANNEL_PACING)),
    settingsOf,
    defaults,
    timeoutMs: config.QUEUE_CLAIM_IDLE_MS,
  };
  const evolution = createEvolutionChannel(adapterDeps);
  const telegram = createTelegramChannel(adapterDeps);
  const whatsappCloud = createWhatsAppCloudChannel(adapterDeps);
  const healthChecks: HealthCheck[] = [];
  // A channel appears in health once the environment configures it; per-tenant setups do not.
  if (defaults.EVOLUTION_URL) healthChecks.push(channelCheck('whatsapp', evolution));
  if (defaults.TELEGRAM_BOT_TOKEN) healthChecks.push(channelCheck('telegram', telegram));
  if (defaults.WHATSAPP_ACCESS_TOKEN) {
    healthChecks.push(channelCheck('whatsapp_cloud', whatsappCloud));
  }
  const receiveDeps: ReceiveDeps = { db, logger, ingest: deps.ingest, redis: deps.redis };
  let poller: TelegramPoller | undefined;
  return {
    adapters: [evolution, telegram, whatsappCloud],
    healthChecks,
    settingsOf,
    receiveDeps,
    startPolling() {
      if (poller || config.TELEGRAM_MODE !== 'polling' || !defaults.TELEGRAM_BOT_TOKEN) return;
      poller = startTelegramPolling(adapterDeps, receiveDeps, {
        tenant: config.TELEGRAM_TENANT,
        pollTimeoutS: config.TELEGRAM_POLL_TIMEOUT_S,
      });
    },
    async stopPolling() {
      await poller?.stop();
      poller = undefined;
    },
  };
}

/** Non-critical: a disconnected channel degrades Omni, the other channels keep working. */
function channelCheck(name: string, adapter: ChannelAdapter): HealthCheck {
  return {
    name,
    critical: false,
    check: async () => (adapter.health ? adapter.health() : { status: 'up' as const }),
  };
}
