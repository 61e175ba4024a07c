/**
 * The composition root: builds, from the configuration, the services one Omni process shares
 * (logger, metrics, database, Redis, the pipeline, health checks) and closes them in order. The edges (HTTP,
 * CLI) call it; domains receive what they need from it as plain arguments.
 */

import {
  agentMetrics,
  createAgentResponder,
  redisCacheStore,
  tableCacheStore,
} from '../agents/index.ts';
import {
  type ChannelSet,
  createChannelSet,
  createEmailChannel,
  createRestChannel,
  createWebchatChannel,
  emailThreadOf,
} from '../channels/index.ts';
import {
  type Config,
  ConfigError,
  type DeploymentProfile,
  deploymentProfile,
} from '../config/index.ts';
import { configureEgress } from '../egress/index.ts';
import { createGateway, type Gateway, llmCheck } from '../gateway/index.ts';
import {
  countHandoffs,
  type IntegrationSettings,
  onHandoffChange,
  startHandoffWorkers,
} from '../handoff/index.ts';
import { attachEmbedder, createEmbedder, knowledgeLookup } from '../knowledge/index.ts';
import { createMediaService, type MediaService } from '../media/index.ts';
import {
  createLogger,
  createMetrics,
  type HealthCheck,
  type Logger,
  type Metrics,
  startTracing,
} from '../observability/index.ts';
import { withMaintenance } from '../ops/index.ts';
import {
  announceConversationEvent,
  channelBreakerCheck,
  createPipeline,
  type Pipeline,
  type PipelineSettings,
  type Responder,
} from '../pipeline/index.ts';
import {
  ephemeralKey,
  keyFromDataDir,
  parseSecretKey,
  type SecretKey,
  setSecretKeys,
} from '../secrets/index.ts';
import {
  connectRedis,
  type Database,
  type OutageCounters,
  openDatabase,
  type RedisConnection,
} from '../storage/index.ts';
import {
  getTenant,
  sealStoredSecrets,
  switchDefaults,
  tenantsWithUnreadableSecrets,
} from '../tenancy/index.ts';
import { databaseCheck, redisCheck } from './health-checks.ts';

export { HEALTH_CHECK_TIMEOUT_MS } from './health-checks.ts';
export { exitGracefullyOnSignals } from './shutdown.ts';

export interface Runtime {
  config: Config;
  pipeline: Pipeline;
  profile: DeploymentProfile;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  redis?: RedisConnection;
  healthChecks: HealthCheck[];
  /** The LLM gateway: provider cascade, offline responder, price table. */
  gateway: Gateway;
  /** Messaging channels: adapters, inbound handling, per-tenant settings. */
  channels: ChannelSet;
  /** Attachments: the store, the limits, the transcriber (issue 16). */
  media: MediaService;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Apply migrations now; defaults to AUTO_MIGRATE. */
  migrate?: boolean;
  /** Use an in-memory PGlite instead of OMNI_DATA_DIR (tests). */
  inMemory?: boolean;
  /**
   * With `inMemory`: the database starts from this PGlite data-folder tarball (e.g. a migrated
   * template) instead of empty; see the storage option of the same name.
   */
  initialData?: Blob;
  /** What answers turns; default: the agents (through the gateway: its providers, else its offline responder). */
  responder?: Responder;
  /** Overrides of the pipeline's settings (tests shorten debounce and claim times). */
  pipeline?: Partial<PipelineSettings>;
  /**
   * A long-running process on the embedded database serves it to local clients (the CLI beside
   * it, psql) on EMBEDDED_SQL_PORT.
   */
  shareEmbedded?: boolean;
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const profile = deploymentProfile(config);
  configureEgress({ allow: config.EGRESS_ALLOW });
  setSecretKeys(...secretKeysOf(config, profile, options.inMemory ?? false));
  const metrics = createMetrics({ redis: Boolean(config.REDIS_URL) });
  const counters = { errors: metrics.dependencyErrors, outages: metrics.dependencyOutages };
  const database = await openConfiguredDatabase(config, logger, options, counters);
  try {
    if (options.migrate ?? config.AUTO_MIGRATE) await database.migrate();
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  await sealStoredSecrets(database.db)
    .then(async (sealed) => {
      if (sealed > 0) logger.info({ tenants: sealed }, 'tenant secrets sealed at rest');
      const unreadable = await tenantsWithUnreadableSecrets(database.db);
      if (unreadable.length > 0) {
        logger.warn(
          { tenants: unreadable },
          'tenant secrets sealed under another key: they act as unset until OMNI_SECRET_KEY (or OMNI_SECRET_KEY_PREVIOUS) is that key',
        );
      }
    })
    // Not migrated yet (AUTO_MIGRATE=false before `omni migrate`): sealed at the next start.
    .catch((error) => logger.warn({ err: error }, 'could not seal the stored tenant secrets'));
  // Every knowledge search and ingest on this database uses it (vector ranker, embeddings at ingest).
  const embedder = createEmbedder(config);
  if (embedder) attachEmbedder(database.db, embedder);
  const tracing =
    config.OTEL_METRICS || config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? await startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT })
      : undefined;
  const redis = config.REDIS_URL
    ? await connectRedis(config.REDIS_URL, logger, counters)
    : undefined;
  const gateway = createGateway({
    config,
    db: database.db,
    logger,
    registry: metrics.registry,
    redis: redis?.client,
    knowledge: knowledgeLookup(database.db, logger),
  });
  // Registered whoever answers, so /metrics always has the series the alerts and dashboards read.
  agentMetrics(metrics.registry);
  // Inbound webhooks hand messages to the pipeline, which is built with the channels' adapters.
  const channels = createChannelSet({
    config,
    db: database.db,
    logger,
    ingest: (input) => pipeline.ingest(input),
    redis: redis?.client,
  });
  const redisHealth = redis ? redisCheck(redis, metrics) : undefined;
  const healthChecks = [
    databaseCheck(database, metrics),
    ...(redisHealth ? [redisHealth] : []),
    llmCheck(gateway),
    ...channels.healthChecks,
    channelBreakerCheck(database.db),
  ];
  const media = createMediaService(config);
  const pipeline: Pipeline = createPipeline(
    { config, database, redis, logger, metrics },
    {
      // Partial maintenance answers new conversations itself, whoever the responder is.
      responder: withMaintenance(
        options.responder ??
          createAgentResponder({
            db: database.db,
            gateway,
            config,
            logger,
            registry: metrics.registry,
            // Shared by every process: Redis in the scale profile, else a table.
            cache:
              config.CACHE_TTL > 0
                ? {
                    store: redis ? redisCacheStore(redis.client) : tableCacheStore(database.db),
                    ttlSeconds: config.CACHE_TTL,
                  }
                : undefined,
          }),
        {
          db: database.db,
          defaults: switchDefaults(config),
        },
      ),
      settings: options.pipeline,
      media,
      channels: [
        restChannel(config, database, options.pipeline?.sendTimeoutMs),
        emailChannel(config, database),
        createWebchatChannel(),
        ...channels.adapters,
      ],
    },
  );
  // Worker processes also run the handoff side: idle release, and the integrations role.
  const startPipelineWorkers = pipeline.startWorkers;
  pipeline.startWorkers = (roles) => {
    const pipelineWorkers = startPipelineWorkers(roles);
    // Workers on the Redis queue cannot claim anything while it is away: not ready, then.
    if (redisHealth && pipeline.queue.kind === 'redis') redisHealth.critical = true;
    const handoffWorkers = startHandoffWorkers(
      {
        db: database.db,
        holds: database.holds,
        queue: pipeline.queue,
        logger,
        settings: integrationSettings(config),
      },
      { integrations: roles.includes('integrations') },
    );
    return {
      stop: async () => {
        await Promise.all([pipelineWorkers.stop(), handoffWorkers.stop()]);
      },
    };
  };
  const stopCountingHandoffs = countHandoffs(metrics.registry);
  // Dashboards connected to any process hear the handoff changes made in this one.
  const stopRelayingHandoffs = onHandoffChange((change) => {
    // Seed 001 §4 greps "handoff": every request (escalation), take, release and resolve says it.
    logger.info(
      {
        component: 'handoff',
        handoff: change.type,
        tenant_id: change.tenantId,
        conversation_id: change.conversationId,
        handoff_id: change.handoffId,
        trigger: change.trigger,
        source: change.source,
      },
      `handoff ${change.type}`,
    );
    announceConversationEvent(database.db, {
      tenantId: change.tenantId,
      conversationId: change.conversationId,
      change: change.type,
    }).catch((error) => logger.debug({ err: error }, 'conversation event not announced'));
  });
  logger.info(
    { profile, database: database.target, redis: redis?.target, queue: pipeline.queue.kind },
    'runtime ready',
  );
  return {
    config,
    pipeline,
    profile,
    logger,
    metrics,
    database,
    redis,
    healthChecks,
    gateway,
    channels,
    media,
    close: async () => {
      stopCountingHandoffs();
      stopRelayingHandoffs();
      await channels.stopPolling();
      await pipeline.queue.close();
      await redis?.close();
      await database.close();
      await tracing?.shutdown();
    },
  };
}

/** Slack and Chatwoot as configured; Chatwoot only when its URL, token, account and inbox are all set. */
function integrationSettings(config: Config): IntegrationSettings {
  const { CHATWOOT_URL, CHATWOOT_API_TOKEN, CHATWOOT_ACCOUNT_ID, CHATWOOT_INBOX_ID } = config;
  const timeoutMs = config.QUEUE_CLAIM_IDLE_MS;
  return {
    slackWebhookUrl: config.SLACK_WEBHOOK_URL,
    chatwoot:
      CHATWOOT_URL && CHATWOOT_API_TOKEN && CHATWOOT_ACCOUNT_ID && CHATWOOT_INBOX_ID
        ? {
            url: CHATWOOT_URL,
            apiToken: CHATWOOT_API_TOKEN,
            accountId: CHATWOOT_ACCOUNT_ID,
            inboxId: CHATWOOT_INBOX_ID,
            label: config.CHATWOOT_HANDOFF_LABEL,
            timeoutMs,
          }
        : undefined,
    enabledByDefault: config.ENABLE_INTEGRATIONS,
    timeoutMs,
    idleReleaseMinutes: config.HANDOFF_IDLE_RELEASE_MIN,
  };
}

/** E-mail replies: SMTP and sender from the tenant's settings, else from the configuration. */
/** The REST channel: replies POSTed, signed, to the tenant's outbound webhook. */
function restChannel(config: Config, database: Database, sendTimeoutMs: number | undefined) {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  return createRestChannel({
    timeoutMs: sendTimeoutMs ?? config.QUEUE_CLAIM_IDLE_MS,
    targetOf: async (tenantId) => {
      const { settings } = await getTenant(database.db, tenantId);
      return {
        url: text(settings.outbound_webhook_url),
        secret: text(settings.outbound_webhook_secret),
      };
    },
  });
}

function emailChannel(config: Config, database: Database) {
  return createEmailChannel({
    timeoutMs: config.QUEUE_CLAIM_IDLE_MS,
    threadOf: (conversationId) => emailThreadOf(database.db, conversationId),
    targetOf: async (tenantId) => {
      const { settings } = await getTenant(database.db, tenantId);
      const own = typeof settings.smtp_url === 'string' ? settings.smtp_url : undefined;
      return {
        smtpUrl: own ?? config.SMTP_URL,
        from: typeof settings.email_from === 'string' ? settings.email_from : config.EMAIL_FROM,
        tenantChosen: own !== undefined,
      };
    },
  });
}

/**
 * The keys that seal tenant secrets: OMNI_SECRET_KEY; without it, on the embedded profile, the key
 * kept in the data folder (generated at first start) — a shared database has no such folder, so
 * the key is required there. OMNI_SECRET_KEY_PREVIOUS still opens what it sealed (rotation).
 */
function secretKeysOf(
  config: Config,
  profile: DeploymentProfile,
  inMemory: boolean,
): [SecretKey, SecretKey[]] {
  const previous = config.OMNI_SECRET_KEY_PREVIOUS
    ? [parseSecretKey(config.OMNI_SECRET_KEY_PREVIOUS)]
    : [];
  if (config.OMNI_SECRET_KEY) return [parseSecretKey(config.OMNI_SECRET_KEY), previous];
  if (profile !== 'embedded') {
    throw new ConfigError([
      "OMNI_SECRET_KEY is required when DATABASE_URL is set: it encrypts the tenants' channel secrets (e.g. `openssl rand -hex 32`; every process of the instance needs the same key)",
    ]);
  }
  return [inMemory ? ephemeralKey() : keyFromDataDir(config.OMNI_DATA_DIR), previous];
}

async function openConfiguredDatabase(
  config: Config,
  logger: Logger,
  options: RuntimeOptions,
  counters: OutageCounters,
): Promise<Database> {
  if (!config.DATABASE_URL) {
    return openDatabase({
      kind: 'pglite',
      dataDir: options.inMemory ? undefined : config.OMNI_DATA_DIR,
      initialData: options.inMemory ? options.initialData : undefined,
      logger,
      sharePort: options.shareEmbedded ? config.EMBEDDED_SQL_PORT : undefined,
    });
  }
  return openDatabase({
    kind: 'postgres',
    url: config.DATABASE_URL,
    poolSize: config.DB_POOL_SIZE + config.DB_MAX_OVERFLOW,
    logger,
    counters,
  });
}
