/**
 * The composition root: builds, from the configuration, the services one Omni process shares
 * (logger, metrics, database, Redis, the pipeline, health checks) and closes them in order. The edges (HTTP,
 * CLI) call it; domains receive what they need from it as plain arguments.
 */
import { createEmailChannel, emailThreadOf } from '../channels/index.ts';
import { type Config, type DeploymentProfile, deploymentProfile } from '../config/index.ts';
import { createGateway, createGatewayResponder, type Gateway, llmCheck } from '../gateway/index.ts';
import {
  createLogger,
  createMetrics,
  type HealthCheck,
  type Logger,
  type Metrics,
  startTracing,
} from '../observability/index.ts';
import {
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
import { getTenant } from '../tenancy/index.ts';
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
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Apply migrations now; defaults to AUTO_MIGRATE. */
  migrate?: boolean;
  /** Use an in-memory PGlite instead of OMNI_DATA_DIR (tests). */
  inMemory?: boolean;
  /** What answers turns; default: the gateway (its providers, else its offline responder). */
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
  });
  const healthChecks = [
    databaseCheck(database, metrics),
    ...(redis ? [redisCheck(redis, metrics)] : []),
    llmCheck(gateway),
  ];
  const pipeline = createPipeline(
    { config, database, redis, logger, metrics },
    {
      responder: options.responder ?? createGatewayResponder(gateway),
      settings: options.pipeline,
      channels: [emailChannel(config, database)],
    },
  );
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
    close: async () => {
      await pipeline.queue.close();
      await redis?.close();
      await database.close();
      await tracing?.shutdown();
    },
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
