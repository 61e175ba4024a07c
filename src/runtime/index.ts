/**
 * The composition root: builds, from the configuration, the services one Omni process shares
 * (logger, metrics, database, Redis, the pipeline, health checks) and closes them in order. The edges (HTTP,
 * CLI) call it; domains receive what they need from it as plain arguments.
 */

import { agentMetrics, createAgentResponder } from '../agents/index.ts';
import {
  type ChannelSet,
  createChannelSet,
  createEmailChannel,
  createWebchatChannel,
  emailThreadOf,
} from '../channels/index.ts';
import { type Config, type DeploymentProfile, deploymentProfile } from '../config/index.ts';
import { createGateway, type Gateway, llmCheck } from '../gateway/index.ts';
import {
  countHandoffs,
  type IntegrationSettings,
  onHandoffChange,
  startHandoffWorkers,
} from '../handoff/index.ts';
import { attachEmbedder, createEmbedder, knowledgeLookup } from '../knowledge/index.ts';
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
  createPipeline,
  type Pipeline,
  type PipelineSettings,
  type Responder,
} from '../pipeline/index.ts';
import {
  connectRedis,
  type Database,
  openDatabase,
  type RedisConnection,
} from '../storage/index.ts';
import { getTenant, switchDefaults } from '../tenancy/index.ts';
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
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Apply migrations now; defaults to AUTO_MIGRATE. */
  migrate?: boolean;
  /** Use an in-memory PGlite instead of OMNI_DATA_DIR (tests). */
  inMemory?: boolean;
  /** What answers turns; default: the agents (through the gateway: its providers, else its offline responder). */
  responder?: Responder;
  /** Overrides of the pipeline's settings (tests shorten debounce and claim times). */
  pipeline?: Partial<PipelineSettings>;
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const profile = deploymentProfile(config);
  const database = await openConfiguredDatabase(config, logger, options.inMemory ?? false);
  try {
    if (options.migrate ?? config.AUTO_MIGRATE) await database.migrate();
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  // Every knowledge search and ingest on this database uses it (vector ranker, embeddings at ingest).
  const embedder = createEmbedder(config);
  if (embedder) attachEmbedder(database.db, embedder);
  const tracing =
    config.OTEL_METRICS || config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT })
      : undefined;
  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : undefined;
  const metrics = createMetrics({ redis: Boolean(redis) });
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
  const healthChecks = [
    databaseCheck(database, metrics),
    ...(redis ? [redisCheck(redis, metrics)] : []),
    llmCheck(gateway),
    ...channels.healthChecks,
  ];
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
          }),
        {
          db: database.db,
          defaults: switchDefaults(config),
        },
      ),
      settings: options.pipeline,
      channels: [emailChannel(config, database), createWebchatChannel(), ...channels.adapters],
    },
  );
  // Worker processes also run the handoff side: idle release, and the integrations role.
  const startPipelineWorkers = pipeline.startWorkers;
  pipeline.startWorkers = (roles) => {
    const pipelineWorkers = startPipelineWorkers(roles);
    const handoffWorkers = startHandoffWorkers(
      { db: database.db, queue: pipeline.queue, logger, settings: integrationSettings(config) },
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
function emailChannel(config: Config, database: Database) {
  return createEmailChannel({
    timeoutMs: config.QUEUE_CLAIM_IDLE_MS,
    threadOf: (conversationId) => emailThreadOf(database.db, conversationId),
    targetOf: async (tenantId) => {
      const { settings } = await getTenant(database.db, tenantId);
      return {
        smtpUrl: typeof settings.smtp_url === 'string' ? settings.smtp_url : config.SMTP_URL,
        from: typeof settings.email_from === 'string' ? settings.email_from : config.EMAIL_FROM,
      };
    },
  });
}

async function openConfiguredDatabase(
  config: Config,
  logger: Logger,
  inMemory: boolean,
): Promise<Database> {
  if (!config.DATABASE_URL) {
    return openDatabase({
      kind: 'pglite',
      dataDir: inMemory ? undefined : config.OMNI_DATA_DIR,
      logger,
    });
  }
  return openDatabase({
    kind: 'postgres',
    url: config.DATABASE_URL,
    poolSize: config.DB_POOL_SIZE + config.DB_MAX_OVERFLOW,
    logger,
  });
}
