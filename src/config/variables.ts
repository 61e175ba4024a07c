/**
 * Every environment variable Omni reads, in one zod schema: type, default, documentation.
 * The README's configuration table is generated from this file (`npm run docs:config`) and a test
 * keeps the two in step. Variables of features that have not landed yet are marked "reserved".
 */
import { z } from 'zod';

export type VariableGroup =
  | 'core'
  | 'database'
  | 'queue'
  | 'llm'
  | 'channels'
  | 'media'
  | 'handoff'
  | 'agents'
  | 'security'
  | 'observability';

export interface VariableMeta {
  group: VariableGroup;
  doc: string;
  /** The default as an operator would type it; absent when the variable is optional. */
  default?: string;
  secret?: boolean;
  reserved?: boolean;
}

/** `FOO=` in a .env file means "not set", as in most deployment tools. */
const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

type Preprocessed<T extends z.ZodType> = z.ZodPipe<z.ZodTransform<unknown, unknown>, T>;

function variable<T extends z.ZodType>(
  schema: T,
  meta: VariableMeta & { default: string },
): Preprocessed<z.ZodPrefault<T>>;
function variable<T extends z.ZodType>(
  schema: T,
  meta: VariableMeta & { default?: undefined },
): Preprocessed<z.ZodOptional<T>>;
function variable<T extends z.ZodType>(schema: T, meta: VariableMeta): z.ZodType {
  const inner =
    meta.default === undefined ? schema.optional() : schema.prefault(meta.default as z.input<T>);
  return z.preprocess(blankToUndefined, inner).meta(meta as unknown as Record<string, unknown>);
}

const POSITIVE_NUMBER = 'must be a positive number';
const NON_NEGATIVE_INTEGER = 'must be a whole number (0 or more)';
const POSITIVE_INTEGER = 'must be a whole number greater than 0';

const positiveNumber = () =>
  z.coerce
    .number({ error: POSITIVE_NUMBER })
    .refine((n) => Number.isFinite(n) && n > 0, { error: POSITIVE_NUMBER });
const positiveInteger = () =>
  z.coerce
    .number({ error: POSITIVE_INTEGER })
    .refine((n) => Number.isInteger(n) && n > 0, { error: POSITIVE_INTEGER });
const nonNegativeInteger = () =>
  z.coerce
    .number({ error: NON_NEGATIVE_INTEGER })
    .refine((n) => Number.isInteger(n) && n >= 0, { error: NON_NEGATIVE_INTEGER });
const unitInterval = () =>
  z.coerce
    .number({ error: 'must be a number between 0 and 1' })
    .refine((n) => n >= 0 && n <= 1, { error: 'must be a number between 0 and 1' });

const DURATION = 'must be a duration such as 24h, 30m, 90s or 500ms (a bare number is seconds)';
const DURATION_UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
/** A duration in milliseconds; five units are a regular expression, not a dependency. */
const duration = () =>
  z
    .string()
    .transform((s) => /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(s.trim()))
    .refine((match) => match !== null && Number(match[1]) > 0, { error: DURATION })
    .transform((match) => {
      const [, amount, unit = 's'] = match as RegExpExecArray;
      return Number(amount) * (DURATION_UNIT_MS[unit.toLowerCase()] ?? 1_000);
    });

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];
const flag = () =>
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => TRUE_WORDS.includes(s) || FALSE_WORDS.includes(s), {
      error: 'must be true or false (also accepted: 1/0, yes/no, on/off)',
    })
    .transform((s) => TRUE_WORDS.includes(s));

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));

const urlWithScheme = (schemes: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );
const httpUrl = () => urlWithScheme(['http', 'https']);
const text = () => z.string();
const secretKeyText = () =>
  z.string().refine((s) => s.trim().length >= 32, {
    error: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
  });
const list = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  );

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel = () =>
  z
    .string()
    .transform((s) => {
      const level = s.trim().toLowerCase();
      // Python-style runbooks say WARNING and CRITICAL.
      return level === 'warning' ? 'warn' : level === 'critical' ? 'fatal' : level;
    })
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }));

type OptionalStringVariable = Preprocessed<z.ZodOptional<ReturnType<typeof text>>>;

/** `<PROVIDER>_API_KEY`, `<PROVIDER>_BASE_URL`, `<PROVIDER>_MODEL` for one LLM provider (SPEC §5.1). */
function providerVariables<P extends string>(prefix: P, label: string) {
  return {
    [`${prefix}_API_KEY`]: variable(text(), {
      group: 'llm',
      doc: `${label} API key; setting it enables the provider.`,
      secret: true,
    }),
    [`${prefix}_BASE_URL`]: variable(httpUrl(), {
      group: 'llm',
      doc: `${label} base URL (point it at \`omni sim llm\` or a proxy).`,
    }),
    [`${prefix}_MODEL`]: variable(text(), {
      group: 'llm',
      doc: `${label} model used when no other is chosen.`,
    }),
  } as Record<`${P}_API_KEY` | `${P}_BASE_URL` | `${P}_MODEL`, OptionalStringVariable>;
}

export const variables = {
  // core
  PORT: variable(
    nonNegativeInteger().refine((n) => n <= 65535, { error: 'must be a port (0-65535)' }),
    {
      group: 'core',
      default: '3000',
      doc: 'HTTP port of the API, dashboard and webhooks (0 picks a free port).',
    },
  ),
  HOST: variable(text(), {
    group: 'core',
    default: '0.0.0.0',
    doc: 'Address the HTTP server binds to.',
  }),
  PUBLIC_URL: variable(httpUrl(), {
    group: 'core',
    doc: 'URL at which users reach this instance; used in printed links. Default: http://localhost:PORT.',
  }),
  OMNI_DATA_DIR: variable(text(), {
    group: 'core',
    default: './data',
    doc: 'Folder of the embedded database (PGlite) when DATABASE_URL is not set.',
  }),
  EMBEDDED_SQL_PORT: variable(nonNegativeInteger(), {
    group: 'core',
    default: '0',
    doc: 'Port on 127.0.0.1 where a running embedded Omni serves its database to the CLI and psql (0: any free port; the URL is in OMNI_DATA_DIR/sql.url).',
  }),
  SHUTDOWN_TIMEOUT_MS: variable(positiveInteger(), {
    group: 'core',
    default: '10000',
    doc: 'On SIGTERM/SIGINT: how long in-flight work may take before the process exits anyway.',
  }),
  REQUEST_TIMEOUT: variable(positiveNumber(), {
    group: 'core',
    default: '30',
    doc: 'Seconds a client may take to send a whole HTTP request before the server answers 408.',
  }),
  BODY_LIMIT_BYTES: variable(positiveInteger(), {
    group: 'core',
    default: '1048576',
    doc: 'Largest request body accepted; larger ones get 413.',
  }),
  MAX_WORKERS: variable(positiveInteger(), {
    group: 'core',
    default: '4',
    doc: 'Queue entries (conversations) a worker process handles at once, per role.',
  }),

  // database
  DATABASE_URL: variable(urlWithScheme(['postgres', 'postgresql']), {
    group: 'database',
    doc: 'PostgreSQL connection URL. Unset: the embedded PGlite database in OMNI_DATA_DIR.',
    secret: true,
  }),
  DB_POOL_SIZE: variable(positiveInteger(), {
    group: 'database',
    default: '10',
    doc: 'PostgreSQL connections per process.',
  }),
  DB_MAX_OVERFLOW: variable(nonNegativeInteger(), {
    group: 'database',
    default: '0',
    doc: 'Extra PostgreSQL connections allowed above DB_POOL_SIZE under load.',
  }),
  AUTO_MIGRATE: variable(flag(), {
    group: 'database',
    default: 'true',
    doc: 'Apply pending migrations at start (`omni migrate` does it by hand).',
  }),
  RETENTION_DAYS: variable(positiveInteger(), {
    group: 'database',
    default: '90',
    doc: 'Days conversations, messages and turns are kept (daily cleanup in workers, and `omni cleanup`).',
  }),
  RETENTION_SENT_OUTBOX_DAYS: variable(positiveInteger(), {
    group: 'database',
    default: '30',
    doc: 'Days sent outbox rows (`enviada`) are kept.',
  }),

  // queue
  REDIS_URL: variable(urlWithScheme(['redis', 'rediss']), {
    group: 'queue',
    doc: 'Redis URL. With DATABASE_URL it selects the scale profile (Redis Streams queue, shared limits).',
    secret: true,
  }),
  QUEUE_BACKEND: variable(oneOf(['postgres', 'redis']), {
    group: 'queue',
    doc: 'Override the queue backend chosen by profile (redis needs REDIS_URL).',
  }),
  QUEUE_CLAIM_IDLE_MS: variable(positiveInteger(), {
    group: 'queue',
    default: '5000',
    doc: 'Queue entries idle this long are reclaimed from a dead worker.',
  }),
  QUEUE_POLL_MS: variable(positiveInteger(), {
    group: 'queue',
    default: '250',
    doc: 'An idle worker looks for work at least this often. New work wakes it at once (LISTEN/NOTIFY, a blocking stream read); the poll is the safety net for a lost wake-up and brings delayed retries in on time.',
  }),
  QUEUE_MAX_ATTEMPTS: variable(positiveInteger(), {
    group: 'queue',
    default: '5',
    doc: 'Attempts of a queue entry whose handler fails (a turn that throws, a database error) before it goes to the dead-letter queue. Channel sends are bounded by DISPATCH_RETRY_WINDOW instead.',
  }),
  DISPATCH_RETRY_WINDOW: variable(duration(), {
    group: 'queue',
    default: '24h',
    doc: 'How long a reply whose channel keeps failing (429, 5xx, timeouts) is retried, from its first failure, before it is dead-lettered (`24h`, `30m`, `90s`; a permanent error is dead-lettered at once).',
  }),
  DISPATCH_BACKOFF_MAX_MS: variable(positiveInteger(), {
    group: 'queue',
    default: '300000',
    doc: 'Cap of the exponential backoff (from 500 ms, with jitter) between two tries of a failing send and between two probes of a channel whose breaker is open; a longer Retry-After is honoured up to 1 h.',
  }),
  DEBOUNCE_MS: variable(nonNegativeInteger(), {
    group: 'queue',
    default: '1500',
    doc: 'Inbound messages this close together are answered as one turn.',
  }),
  DEBOUNCE_MAX_MS: variable(nonNegativeInteger(), {
    group: 'queue',
    default: '6000',
    doc: 'Longest a turn waits for more messages.',
  }),

  // media
  MEDIA_STORAGE_URL: variable(
    text().refine((url) => url.startsWith('file:///'), {
      error: 'must be file:///absolute/folder (S3-compatible storage is not available yet)',
    }),
    {
      group: 'media',
      doc: 'Where received media (voice notes, images, documents) is kept: unset keeps files under OMNI_DATA_DIR/media; `file:///abs/folder` keeps them in that folder. Files are named by their SHA-256, so the same file is stored once per tenant. Not in `omni backup` (copy the folder with the database).',
    },
  ),
  MEDIA_MAX_BYTES: variable(positiveInteger(), {
    group: 'media',
    default: '16777216',
    doc: "Largest media file accepted from a contact (bytes; 16 MiB, WhatsApp's audio and video limit). Larger files are not stored and the contact is told so.",
  }),
  MEDIA_ALLOWED_TYPES: variable(list(), {
    group: 'media',
    default: 'audio/*,image/jpeg,image/png,image/webp,application/pdf,text/plain',
    doc: 'Media types accepted from contacts (`type/*` for a whole family). Others are not stored and the contact is told so.',
  }),
  MEDIA_UNDERSTANDING_TIMEOUT_MS: variable(positiveInteger(), {
    group: 'media',
    default: '60000',
    doc: 'Longest a turn waits for its media to be downloaded and transcribed; past it the agent is told which attachment it could not open.',
  }),
  TRANSCRIPTION_PROVIDERS: variable(list(), {
    group: 'media',
    default: 'openai:gpt-4o-mini-transcribe',
    doc: "Transcription cascade for voice notes and audio, tried in order: `provider:model` (openai: `whisper-1`, `gpt-4o-mini-transcribe`, `gpt-4o-transcribe`), using that provider's key and base URL (OPENAI_API_KEY, OPENAI_BASE_URL). A provider without a key is skipped; with none, `omni doctor` says so and contacts who send audio are asked to write.",
  }),

  // llm
  PROVIDER_PRIORITY_ORDER: variable(list(), {
    group: 'llm',
    doc: 'Cascade order of LLM providers, e.g. `xai,ollama,anthropic,openai,google`; `local` is always last.',
  }),
  LLM_PROVIDER: variable(text(), {
    group: 'llm',
    doc: 'Pin one provider (skips the cascade except `local`).',
  }),
  DEFAULT_MODEL: variable(text(), {
    group: 'llm',
    doc: 'Model for agent replies.',
  }),
  SIMPLE_QUERY_MODEL: variable(text(), {
    group: 'llm',
    doc: 'Model for routing and classification.',
  }),
  MAX_TOKENS: variable(positiveInteger(), {
    group: 'llm',
    default: '1024',
    doc: 'Output token cap per LLM call.',
  }),
  LLM_TIMEOUT: variable(positiveNumber(), {
    group: 'llm',
    doc: 'Seconds per provider attempt (alias of PROVIDER_TIMEOUT_MS, in seconds); wins when set.',
  }),
  PROVIDER_TIMEOUT_MS: variable(positiveInteger(), {
    group: 'llm',
    default: '15000',
    doc: 'Milliseconds per provider attempt.',
  }),
  MAX_LATENCY_MS: variable(positiveInteger(), {
    group: 'llm',
    default: '30000',
    doc: 'Latency budget for the whole provider cascade.',
  }),
  INJECTION_JUDGE_MAX_LATENCY_MS: variable(positiveInteger(), {
    group: 'llm',
    default: '3000',
    doc: 'Latency budget of the prompt-injection judge (SIMPLE_QUERY_MODEL) on a borderline message; past it the offline verdict stands.',
  }),
  MAX_COST_PER_REQUEST: variable(positiveNumber(), {
    group: 'llm',
    doc: 'USD; a provider whose estimated cost exceeds it is skipped.',
  }),
  RATE_LIMIT_RPS: variable(positiveNumber(), {
    group: 'llm',
    default: '10',
    doc: 'Requests per second per LLM provider (token bucket).',
  }),
  RATE_LIMIT_BURST: variable(positiveInteger(), {
    group: 'llm',
    default: '20',
    doc: 'Burst size of the per-provider token bucket.',
  }),
  LLM_OUTAGE_WAIT_S: variable(positiveInteger(), {
    group: 'llm',
    default: '120',
    doc: 'When every provider fails, a turn waits and is retried with backoff this long (the contact gets one holding message per outage) before the bot gives up on the models; a person is called only when the tenant asks (`settings.escalation.on_provider_failure`).',
  }),
  FALLBACK_MODE: variable(flag(), {
    group: 'llm',
    default: 'false',
    doc: 'Skip LLMs and answer with the offline responder and canned responses.',
  }),
  LLM_DAILY_BUDGET_USD: variable(positiveNumber(), {
    group: 'llm',
    doc: 'USD per tenant per day; past it each LLM call logs a warning and counts in `llm_daily_budget_exceeded_total` (tenants override it).',
  }),
  EMBEDDING_MODEL: variable(text(), {
    group: 'llm',
    doc: 'Embedding model of the knowledge base as `<provider>:<model>` (`openai:text-embedding-3-small`, or `openai_compatible:<model>`): adds vector search to the word and character rankers. After a change, run `omni kb reindex`.',
  }),
  ...providerVariables('OPENAI', 'OpenAI'),
  ...providerVariables('ANTHROPIC', 'Anthropic'),
  ...providerVariables('GOOGLE', 'Google Gemini'),
  ...providerVariables('XAI', 'xAI'),
  ...providerVariables('OLLAMA', 'Ollama (enabled by its base URL)'),
  ...providerVariables(
    'OPENAI_COMPATIBLE',
    'Any OpenAI-compatible server (enabled by its base URL)',
  ),

  // channels
  EVOLUTION_URL: variable(httpUrl(), {
    group: 'channels',
    doc: 'Evolution API base URL (WhatsApp); replies go to `{url}/message/sendText/{instance}`. Tenant setting `evolution_url` overrides it, as for every channel variable.',
  }),
  EVOLUTION_API_KEY: variable(text(), {
    group: 'channels',
    doc: 'Evolution API key: sent as `apikey`, and required on `POST /webhooks/evolution/{tenant}` (header or body `apikey`).',
    secret: true,
  }),
  EVOLUTION_INSTANCE: variable(text(), {
    group: 'channels',
    default: 'omni',
    doc: 'Evolution API instance name.',
  }),
  MCP_WHATSAPP_URL: variable(httpUrl(), {
    group: 'channels',
    doc: 'Alias of EVOLUTION_URL (the WhatsApp simulator).',
  }),
  MCP_TOKEN: variable(text(), {
    group: 'channels',
    doc: 'Alias of EVOLUTION_API_KEY.',
    secret: true,
  }),
  WHATSAPP_ACCESS_TOKEN: variable(text(), {
    group: 'channels',
    doc: 'WhatsApp Cloud API access token.',
    secret: true,
  }),
  WHATSAPP_PHONE_NUMBER_ID: variable(text(), {
    group: 'channels',
    doc: 'WhatsApp Cloud API phone number id.',
  }),
  WHATSAPP_APP_SECRET: variable(text(), {
    group: 'channels',
    doc: 'App secret that signs Cloud API webhooks (X-Hub-Signature-256).',
    secret: true,
  }),
  WHATSAPP_VERIFY_TOKEN: variable(text(), {
    group: 'channels',
    doc: 'Token of the Cloud API GET verification handshake (`GET /webhooks/whatsapp/{tenant}`).',
    secret: true,
  }),
  WHATSAPP_GRAPH_URL: variable(httpUrl(), {
    group: 'channels',
    default: 'https://graph.facebook.com/v21.0',
    doc: 'Graph API base URL.',
  }),
  TELEGRAM_BOT_TOKEN: variable(text(), {
    group: 'channels',
    doc: 'Telegram bot token.',
    secret: true,
  }),
  TELEGRAM_WEBHOOK_SECRET: variable(text(), {
    group: 'channels',
    doc: 'Expected X-Telegram-Bot-Api-Secret-Token on `POST /webhooks/telegram/{tenant}` (give it to setWebhook as `secret_token`).',
    secret: true,
  }),
  TELEGRAM_MODE: variable(oneOf(['webhook', 'polling']), {
    group: 'channels',
    default: 'webhook',
    doc: 'Receive Telegram updates by webhook or long polling (never both: polling deletes a webhook left set).',
  }),
  TELEGRAM_API_URL: variable(httpUrl(), {
    group: 'channels',
    default: 'https://api.telegram.org',
    doc: 'Telegram Bot API base URL.',
  }),
  TELEGRAM_TENANT: variable(text(), {
    group: 'channels',
    default: 'demo',
    doc: 'Tenant (slug) that receives the updates of TELEGRAM_BOT_TOKEN in polling mode.',
  }),
  TELEGRAM_POLL_TIMEOUT_S: variable(positiveInteger(), {
    group: 'channels',
    default: '25',
    doc: 'Long-polling wait of each getUpdates call, in seconds.',
  }),
  CHANNEL_GROUPS: variable(flag(), {
    group: 'channels',
    default: 'false',
    doc: 'Answer group chats (WhatsApp groups and status broadcasts, Telegram groups); tenant setting `channel_groups` overrides it.',
  }),
  CHANNEL_PACING: variable(text(), {
    group: 'channels',
    doc: "Outbound pacing over the providers' published limits, e.g. `telegram.recipient=1/1s burst 3; whatsapp.sender=80/1s` (channels `evolution`, `whatsapp`, `telegram`; scopes `sender`, `recipient`).",
  }),
  SMTP_URL: variable(urlWithScheme(['smtp', 'smtps']), {
    group: 'channels',
    doc: 'Outbound e-mail server, e.g. smtp://user:pass@host:587 (smtps:// for TLS on connect).',
    secret: true,
  }),
  EMAIL_FROM: variable(text(), {
    group: 'channels',
    default: 'Omni <no-reply@localhost>',
    doc: 'From address of e-mail replies (tenant setting `email_from` overrides it).',
  }),
  EMAIL_WEBHOOK_TOKEN: variable(text(), {
    group: 'channels',
    doc: 'Token the inbound e-mail webhook must carry (`X-Omni-Token` or `?token=`); tenant setting `email_webhook_token` overrides it. Unset: the e-mail webhook is closed.',
    secret: true,
  }),

  // handoff
  SLACK_WEBHOOK_URL: variable(httpUrl(), {
    group: 'handoff',
    doc: 'Slack incoming webhook: one notification per new handoff (retried; 429 Retry-After honoured).',
    secret: true,
  }),
  CHATWOOT_URL: variable(httpUrl(), {
    group: 'handoff',
    doc: 'Chatwoot base URL; with the token, account and inbox set, conversations are mirrored into that API inbox.',
  }),
  CHATWOOT_API_TOKEN: variable(text(), {
    group: 'handoff',
    doc: 'Chatwoot access token (a user token: labels need one), sent as `api_access_token`.',
    secret: true,
  }),
  CHATWOOT_ACCOUNT_ID: variable(text(), {
    group: 'handoff',
    doc: 'Chatwoot account id.',
  }),
  CHATWOOT_INBOX_ID: variable(text(), {
    group: 'handoff',
    doc: 'Chatwoot API inbox the conversations are mirrored into.',
  }),
  CHATWOOT_WEBHOOK_TOKEN: variable(text(), {
    group: 'handoff',
    doc: 'Secret the Agent Bot webhook URL must carry (`/webhooks/chatwoot/<tenant>?token=…`); unset: the webhook is closed.',
    secret: true,
  }),
  CHATWOOT_HANDOFF_LABEL: variable(text(), {
    group: 'handoff',
    default: 'humano',
    doc: 'A Chatwoot conversation label that hands the conversation to a human (status `open` does too).',
  }),
  HANDOFF_IDLE_RELEASE_MIN: variable(positiveInteger(), {
    group: 'handoff',
    default: '60',
    doc: 'Minutes without activity before a conversation held by a human returns to the bot.',
  }),

  // agents
  ESCALATION_MIN_CONFIDENCE: variable(unitInterval(), {
    group: 'agents',
    default: '0.6',
    doc: 'Replies below this confidence count towards escalation (tenant setting escalation.min_confidence overrides).',
  }),
  ESCALATION_MAX_INTERACTIONS: variable(positiveInteger(), {
    group: 'agents',
    default: '2',
    doc: 'Low-confidence turns in a row before a human is called (tenant setting escalation.max_interactions overrides).',
  }),
  AGENT_MAX_INPUT_CHARS: variable(positiveInteger(), {
    group: 'agents',
    default: '4000',
    doc: 'Longest contact message (characters, all of one turn) the agents accept; longer ones are refused politely.',
  }),
  CACHE_TTL: variable(nonNegativeInteger(), {
    group: 'agents',
    default: '300',
    doc: 'Seconds a cached answer to a first FAQ question lives (Redis `cache:*` keys with REDIS_URL, else the response_cache table); 0 turns the response cache off.',
  }),
  CRM_API_KEY: variable(text(), {
    group: 'agents',
    doc: 'Credential of the CRM that receives leads.',
    secret: true,
    reserved: true,
  }),

  // security
  RATE_LIMIT_PER_MINUTE: variable(positiveInteger(), {
    group: 'security',
    default: '600',
    doc: 'Requests per minute per API key or IP; over it: 429 with Retry-After.',
  }),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: variable(positiveInteger(), {
    group: 'security',
    default: '1200',
    doc: 'Requests per minute to /webhooks/* per tenant (one flooded tenant cannot starve another).',
  }),
  EGRESS_ALLOW: variable(list(), {
    group: 'security',
    doc: 'Hosts and CIDRs (e.g. `127.0.0.1,::1,evolution,10.0.0.0/8`) that outbound calls to tenant-configurable addresses (webhooks, channel APIs, Chatwoot, Slack, HTTP tools) may reach although they are loopback, private, link-local, CGNAT, multicast or metadata addresses.',
  }),
  OMNI_SECRET_KEY: variable(secretKeyText(), {
    group: 'security',
    secret: true,
    doc: 'Key that encrypts channel and integration secrets in tenant settings: 64 hex characters (`openssl rand -hex 32`), base64 of 32 bytes, or any text of 32+ characters. Required with DATABASE_URL; embedded: generated once into OMNI_DATA_DIR/secret.key (mode 0600).',
  }),
  OMNI_SECRET_KEY_PREVIOUS: variable(text(), {
    group: 'security',
    secret: true,
    doc: 'The key being rotated out: secrets sealed under it still open, and are re-sealed under OMNI_SECRET_KEY at start.',
  }),
  SESSION_TTL_HOURS: variable(positiveNumber(), {
    group: 'security',
    default: '12',
    doc: 'Hours a dashboard session (cookie `omni_session`) lasts after login.',
  }),
  LOGIN_MAX_FAILURES: variable(positiveInteger(), {
    group: 'security',
    default: '5',
    doc: 'Failed logins for one account within LOGIN_LOCKOUT_MINUTES before it is locked for that long.',
  }),
  LOGIN_LOCKOUT_MINUTES: variable(positiveInteger(), {
    group: 'security',
    default: '15',
    doc: 'Window and duration of the login lockout (per account; 4× the failures lock an address).',
  }),
  MAINTENANCE_MODE: variable(oneOf(['off', 'partial', 'full']), {
    group: 'security',
    default: 'off',
    doc: 'Maintenance mode until `omni maintenance on|partial|off` says otherwise (full: 503 but health, metrics and admins; partial: new contacts get the maintenance message).',
  }),
  ENABLE_INTEGRATIONS: variable(flag(), {
    group: 'security',
    default: 'true',
    doc: 'false stops every outbound integration (CRM, webhooks, Slack, e-mail) until `omni integrations on|off` says otherwise.',
  }),

  // observability
  LOG_LEVEL: variable(logLevel(), {
    group: 'observability',
    default: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent (any case). debug also prints stack traces in the CLI.',
  }),
  PROMETHEUS_ENABLED: variable(flag(), {
    group: 'observability',
    default: 'true',
    doc: 'Serve Prometheus metrics at /metrics and /api/monitoring/metrics.',
  }),
  OTEL_METRICS: variable(flag(), {
    group: 'observability',
    default: 'off',
    doc: 'Emit OpenTelemetry traces per turn (to OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318).',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(httpUrl(), {
    group: 'observability',
    doc: 'OTLP/HTTP endpoint for traces (the collector base URL); setting it turns tracing on.',
  }),
};

export const configSchema = z.object(variables).superRefine((config, context) => {
  if (config.QUEUE_BACKEND === 'redis' && !config.REDIS_URL) {
    context.addIssue({
      code: 'custom',
      path: ['QUEUE_BACKEND'],
      message: 'is redis, which needs REDIS_URL',
    });
  }
});
