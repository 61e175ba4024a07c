/**
 * `omni doctor`: the preflight of seed 004 (`preflight-check.sh`). One result per check; any
 * `fail` means Omni would not start or would not work. It reads and pings, it never changes state.
 */
import { createChannelSet } from '../channels/index.ts';
import {
  type Config,
  ConfigError,
  deploymentProfile,
  loadConfig,
  unknownVariables,
} from '../config/index.ts';
import { configureEgress } from '../egress/index.ts';
import { enabledProviders } from '../gateway/index.ts';
import { createTranscriber, mediaStoreFromConfig } from '../media/index.ts';
import { type HealthCheck, type Logger, runCheck } from '../observability/index.ts';
import { listChannelBreakers } from '../pipeline/index.ts';
import { KEY_FILE } from '../secrets/index.ts';
import {
  connectRedis,
  type Db,
  describeConnectionError,
  openDatabase,
  StorageError,
} from '../storage/index.ts';

type ProbeResult = Awaited<ReturnType<typeof runCheck>>;

export type CheckOutcome = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  outcome: CheckOutcome;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const PING_TIMEOUT_MS = 3_000;

const CHANNELS = [
  ['whatsapp (Evolution API)', ['EVOLUTION_URL', 'MCP_WHATSAPP_URL']],
  ['whatsapp (Cloud API)', ['WHATSAPP_ACCESS_TOKEN']],
  ['telegram', ['TELEGRAM_BOT_TOKEN']],
  ['email', ['SMTP_URL']],
] as const satisfies ReadonlyArray<readonly [string, ReadonlyArray<keyof Config>]>;

export async function runDoctor(
  logger: Logger,
  env?: Record<string, string | undefined>,
): Promise<DoctorReport> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      ok: false,
      checks: error.problems.map((detail) => ({ name: 'config', outcome: 'fail', detail })),
    };
  }
  // The channel probes below go out through the egress guard, as a running Omni's would.
  configureEgress({ allow: config.EGRESS_ALLOW });
  const checks: DoctorCheck[] = [
    { name: 'config', outcome: 'ok', detail: `valid (${deploymentProfile(config)} profile)` },
    checkSecretKey(config),
    ...unknownVariables(env).map(
      ({ name, hint }): DoctorCheck => ({
        name: 'config',
        outcome: 'warn',
        detail: `${name} is set but Omni does not read it: ${hint}`,
      }),
    ),
    ...(await checkDatabase(config, logger)),
    await checkRedis(config, logger),
    checkProviders(config),
    checkMedia(config),
    checkChannels(config),
    ...(await probeChannels(config, logger)),
  ];
  return { ok: checks.every((c) => c.outcome !== 'fail'), checks };
}

/** The database, and — when its schema is current — the channel breakers it records. */
async function checkDatabase(config: Config, logger: Logger): Promise<DoctorCheck[]> {
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = config.DATABASE_URL
      ? await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: 1, logger })
      : await openDatabase({ kind: 'pglite', dataDir: config.OMNI_DATA_DIR, logger });
  } catch (error) {
    if (error instanceof StorageError && error.code === 'embedded_locked') {
      return [
        {
          name: 'database',
          outcome: 'ok',
          detail: `embedded database in ${config.OMNI_DATA_DIR} is open in a running Omni`,
        },
      ];
    }
    return [{ name: 'database', outcome: 'fail', detail: (error as Error).message }];
  }
  try {
    await database.ping(PING_TIMEOUT_MS);
    const { applied, available } = await database.migrationStatus();
    const pending = available - applied;
    if (pending <= 0) {
      return [
        {
          name: 'database',
          outcome: 'ok',
          detail: `${database.target} reachable, schema up to date (${applied} migrations)`,
        },
        await checkChannelBreakers(database.db),
      ];
    }
    return [
      config.AUTO_MIGRATE
        ? {
            name: 'database',
            outcome: 'ok',
            detail: `${database.target} reachable, ${pending} migrations will be applied at start`,
          }
        : {
            name: 'database',
            outcome: 'fail',
            detail: `${database.target} reachable, ${pending} migrations pending and AUTO_MIGRATE=false: run omni migrate`,
          },
    ];
  } catch (error) {
    return [
      {
        name: 'database',
        outcome: 'fail',
        detail: `${database.target}: ${describeConnectionError(error)}`,
      },
    ];
  } finally {
    await database.close().catch(() => {});
  }
}

/** Open channel breakers are a warning: the replies wait for the channel's recovery, none is lost. */
async function checkChannelBreakers(db: Db): Promise<DoctorCheck> {
  try {
    const open = (await listChannelBreakers(db)).filter((b) => b.state === 'open');
    if (open.length === 0) {
      return { name: 'channel breakers', outcome: 'ok', detail: 'every channel breaker is closed' };
    }
    const described = open.map(
      (b) =>
        `${b.tenant}/${b.channel} open since ${b.opened_at}, next probe ${b.next_probe_at} (${b.last_error ?? 'no error text'})`,
    );
    return {
      name: 'channel breakers',
      outcome: 'warn',
      detail: `one probe per backoff period, replies wait: ${described.join('; ')}`,
    };
  } catch (error) {
    return { name: 'channel breakers', outcome: 'fail', detail: (error as Error).message };
  }
}

async function checkRedis(config: Config, logger: Logger): Promise<DoctorCheck> {
  if (!config.REDIS_URL)
    return {
      name: 'redis',
      outcome: 'skip',
      detail: 'not configured (the queue runs in the database)',
    };
  const redis = await connectRedis(config.REDIS_URL, logger);
  try {
    await redis.ping(PING_TIMEOUT_MS);
    return { name: 'redis', outcome: 'ok', detail: `${redis.target} reachable` };
  } catch (error) {
    return {
      name: 'redis',
      outcome: 'fail',
      detail: `${redis.target}: ${describeConnectionError(error)}`,
    };
  } finally {
    redis.client.disconnect();
  }
}

/** The key that encrypts tenant secrets: a shared database cannot start without one. */
function checkSecretKey(config: Config): DoctorCheck {
  if (config.OMNI_SECRET_KEY)
    return { name: 'secrets', outcome: 'ok', detail: 'OMNI_SECRET_KEY set' };
  if (deploymentProfile(config) === 'embedded') {
    return {
      name: 'secrets',
      outcome: 'ok',
      detail: `key kept in ${config.OMNI_DATA_DIR}/${KEY_FILE} (generated at first start)`,
    };
  }
  return {
    name: 'secrets',
    outcome: 'fail',
    detail: 'OMNI_SECRET_KEY is required with DATABASE_URL (e.g. `openssl rand -hex 32`)',
  };
}

function checkProviders(config: Config): DoctorCheck {
  const enabled = enabledProviders(config);
  return enabled.length > 0
    ? { name: 'llm', outcome: 'ok', detail: `providers: ${enabled.join(', ')}, then local` }
    : {
        name: 'llm',
        outcome: 'warn',
        detail: 'no provider key set: the offline responder (local) answers',
      };
}

/** Said once here, rather than on every voice note: whether Omni can listen, and where files go. */
function checkMedia(config: Config): DoctorCheck {
  const limits = `${mediaStoreFromConfig(config).kind} storage, files up to ${Math.round(config.MEDIA_MAX_BYTES / 1_048_576)} MiB`;
  const usable = createTranscriber(config).usable;
  return usable.length > 0
    ? {
        name: 'media',
        outcome: 'ok',
        detail: `voice notes transcribed by ${usable.join(', ')}; ${limits}`,
      }
    : {
        name: 'media',
        outcome: 'warn',
        detail: `no transcription provider (TRANSCRIPTION_PROVIDERS ${config.TRANSCRIPTION_PROVIDERS.join(',') || 'is empty'}; each needs its key, e.g. OPENAI_API_KEY): contacts who send voice notes are told audio cannot be heard yet and asked to write; ${limits}`,
      };
}

function checkChannels(config: Config): DoctorCheck {
  const configured = CHANNELS.filter(([, variables]) => variables.some((v) => config[v])).map(
    ([name]) => name,
  );
  return {
    name: 'channels',
    outcome: 'ok',
    detail: `web chat, REST API${configured.length ? `, ${configured.join(', ')}` : ''}`,
  };
}

/**
 * Asks each channel the environment configures whether it can deliver now: Evolution's connection
 * state ("WhatsApp not connected"), Telegram's getMe, the Cloud API phone number, the SMTP server's
 * greeting. These are the adapters' own health probes, the ones `/health` reports. A configured
 * channel that cannot deliver fails the preflight: its replies would pile up in the outbox.
 */
async function probeChannels(config: Config, logger: Logger): Promise<DoctorCheck[]> {
  const adapterConfigured = CHANNELS.some(
    ([name, variables]) => name !== 'email' && variables.some((v) => config[v]),
  );
  // The adapters are built with a database handle their probes never query: an empty in-memory
  // one, not the real database, which a running Omni holds locked in the embedded profile.
  const scratch = adapterConfigured ? await openDatabase({ kind: 'pglite', logger }) : undefined;
  try {
    const probes = [
      ...(scratch
        ? createChannelSet({ config, db: scratch.db, logger, ingest: refuseMessages }).healthChecks
        : []),
      ...(config.SMTP_URL ? [smtpProbe(config.SMTP_URL)] : []),
    ];
    const results = await Promise.all(probes.map(runCheck));
    return results.map((result, index) => ({
      name: `channel ${probes[index]?.name}`,
      outcome: result.status === 'up' ? 'ok' : 'fail',
      detail: describeProbe(result),
    }));
  } finally {
    await scratch?.close();
  }
}

async function refuseMessages(): Promise<never> {
  throw new Error('omni doctor receives no messages');
}

function smtpProbe(url: string): HealthCheck {
  return {
    name: 'email',
    critical: false,
    async check() {
      // Imported here, not at the top: ops is loaded by every process, nodemailer by few.
      const { createTransport } = await import('nodemailer');
      const transport = createTransport({
        url,
        connectionTimeout: PING_TIMEOUT_MS,
        greetingTimeout: PING_TIMEOUT_MS,
        socketTimeout: PING_TIMEOUT_MS,
      });
      try {
        await transport.verify();
        return { status: 'up', server: new URL(url).host };
      } catch (error) {
        return {
          status: 'down',
          error: `SMTP ${new URL(url).host}: ${describeConnectionError(error)}`,
        };
      } finally {
        transport.close();
      }
    },
  };
}

/** One line from a probe's result: the error when down, otherwise what it identified. */
function describeProbe(result: ProbeResult): string {
  if (result.status === 'down') return result.error ?? 'down';
  const identified = Object.entries(result)
    .filter(([key, value]) => key !== 'status' && key !== 'latency_ms' && value !== undefined)
    .map(([key, value]) => `${key} ${String(value)}`);
  return ['reachable', ...identified].join(', ');
}
