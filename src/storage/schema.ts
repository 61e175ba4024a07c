/**
 * The one schema for every profile (PGlite and PostgreSQL speak the same SQL). Names follow the
 * runbooks: `outbox` is also readable as `fila_mensagens` and `messages` as `interacoes` (views),
 * and outbox statuses are the runbooks' Portuguese words.
 *
 * Glossary: a *tenant* is a company; a *contact* is a person on a channel; a *conversation* is
 * the thread with one contact on one channel; a *turn* is one agent run answering one or more
 * inbound messages; the *outbox* holds replies until a channel confirms them.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  pgView,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
const at = (name: string) => timestamp(name, { withTimezone: true });

export const API_KEY_PERMISSIONS = ['read', 'write', 'admin'] as const;
export type ApiKeyPermission = (typeof API_KEY_PERMISSIONS)[number];
export const USER_ROLES = ['admin', 'operator', 'viewer'] as const;
export const CONVERSATION_STATUSES = ['active', 'resolved', 'closed'] as const;
export const CONTROLLERS = ['bot', 'pending_human', 'human'] as const;
export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export const MESSAGE_AUTHORS = ['contact', 'bot', 'operator', 'system'] as const;
/** Portuguese as in the runbooks' SQL; `cancelada`: a bot reply dropped because a human took over. */
export const OUTBOX_STATUSES = [
  'pendente',
  'enviando',
  'enviada',
  'falhou',
  'dlq',
  'cancelada',
] as const;
export const HANDOFF_STATUSES = ['pendente', 'aceito', 'resolvido', 'cancelado'] as const;

const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export interface TenantSettings {
  language?: string;
  custom_instructions?: string;
  escalation?: {
    min_confidence?: number;
    max_interactions?: number;
    on_provider_failure?: boolean;
  };
  outage_message?: string;
  business_hours?: unknown;
  providers?: unknown;
  canned_responses?: Record<string, string>;
  [key: string]: unknown;
}

export const tenants = pgTable('tenants', {
  id: id(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** The first characters of the key, shown in listings and used to find the row. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    permissions: text('permissions').array().$type<ApiKeyPermission[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [index('api_keys_prefix_idx').on(t.prefix), index('api_keys_tenant_idx').on(t.tenantId)],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    tenantId: tenantId(),
    /** Stored lower-cased; one account per e-mail across the instance. */
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    fullName: text('full_name').notNull(),
    role: text('role').$type<(typeof USER_ROLES)[number]>().notNull(),
    disabledAt: at('disabled_at'),
    lastLoginAt: at('last_login_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('users_tenant_idx').on(t.tenantId),
    check('users_role_check', oneOf('role', USER_ROLES)),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the cookie value. */
    tokenHash: text('token_hash').notNull().unique(),
    csrfToken: text('csrf_token').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: at('last_seen_at'),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    tenantId: tenantId(),
    channel: text('channel').notNull(),
    /** The contact's identity on the channel: phone number, chat id, e-mail address… */
    externalId: text('external_id').notNull(),
    displayName: text('display_name'),
    phone: text('phone'),
    email: text('email'),
    profile: jsonb('profile').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    erasedAt: at('erased_at'),
  },
  (t) => [uniqueIndex('contacts_identity_uq').on(t.tenantId, t.channel, t.externalId)],
);

export const conversations = pgTable(
  'conversations',
  {
    id: id(),
    tenantId: tenantId(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    status: text('status')
      .$type<(typeof CONVERSATION_STATUSES)[number]>()
      .notNull()
      .default('active'),
    controlledBy: text('controlled_by')
      .$type<(typeof CONTROLLERS)[number]>()
      .notNull()
      .default('bot'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    /** One worker at a time (SPEC §4.3): the holder, until when, and a token that grows per lease. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: at('lease_expires_at'),
    fencingToken: bigint('fencing_token', { mode: 'number' }).notNull().default(0),
    lastMessageAt: at('last_message_at'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * The rolling summary (SPEC §7.1) of what came before the messages the model still reads, and
     * the last message it covers: the agents put it in the prompt once the window is cut.
     */
    summary: text('summary'),
    summaryThrough: at('summary_through'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    resolvedAt: at('resolved_at'),
  },
  (t) => [
    index('conversations_tenant_status_idx').on(t.tenantId, t.status),
    // One active conversation per contact and channel, even when two webhooks race to open it.
    uniqueIndex('conversations_active_uq')
      .on(t.tenantId, t.contactId, t.channel)
      .where(sql`${t.status} = 'active'`),
    index('conversations_tenant_controller_idx').on(t.tenantId, t.controlledBy),
    index('conversations_contact_idx').on(t.contactId),
    index('conversations_tenant_last_message_idx').on(t.tenantId, t.lastMessageAt),
    index('conversations_lease_idx').on(t.leaseExpiresAt),
    check('conversations_status_check', oneOf('status', CONVERSATION_STATUSES)),
    check('conversations_controlled_by_check', oneOf('controlled_by', CONTROLLERS)),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: id(),
    tenantId: tenantId(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    direction: text('direction').$type<(typeof MESSAGE_DIRECTIONS)[number]>().notNull(),
    author: text('author').$type<(typeof MESSAGE_AUTHORS)[number]>().notNull(),
    authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
    channel: text('channel').notNull(),
    /** The channel's own id of the message; unique per tenant and channel (SPEC §4.2). */
    externalId: text('external_id'),
    body: text('body').notNull().default(''),
    content: jsonb('content').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').notNull(),
    error: text('error'),
    turnId: uuid('turn_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('messages_external_uq')
      .on(t.tenantId, t.channel, t.externalId)
      .where(sql`${t.externalId} is not null`),
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt),
    index('messages_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('messages_created_idx').on(t.createdAt),
    check('messages_direction_check', oneOf('direction', MESSAGE_DIRECTIONS)),
    check('messages_author_check', oneOf('author', MESSAGE_AUTHORS)),
  ],
);

export const turns = pgTable(
  'turns',
  {
    id: id(),
    tenantId: tenantId(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    fencingToken: bigint('fencing_token', { mode: 'number' }).notNull(),
    intent: text('intent'),
    confidence: real('confidence'),
    agent: text('agent'),
    provider: text('provider'),
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 8 }),
    latencyMs: integer('latency_ms'),
    guardrailFlags: text('guardrail_flags').array().notNull().default(sql`'{}'::text[]`),
    qualityScore: real('quality_score'),
    /** The agent prompt that answered (a `prompts` row; null for the built-in prompt) and its version. */
    promptId: uuid('prompt_id'),
    promptVersion: integer('prompt_version'),
    error: text('error'),
    startedAt: at('started_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('turns_conversation_started_idx').on(t.conversationId, t.startedAt),
    index('turns_tenant_started_idx').on(t.tenantId, t.startedAt),
  ],
);

export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    tenantId: tenantId(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<(typeof OUTBOX_STATUSES)[number]>().notNull().default('pendente'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    errors: jsonb('errors').$type<unknown[]>().notNull().default([]),
    providerMessageId: text('provider_message_id'),
    enviadaEm: at('enviada_em'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('outbox_status_next_attempt_idx').on(t.status, t.nextAttemptAt),
    index('outbox_conversation_created_idx').on(t.conversationId, t.createdAt),
    index('outbox_tenant_status_idx').on(t.tenantId, t.status),
    index('outbox_sent_idx').on(t.enviadaEm).where(sql`${t.status} = 'enviada'`),
    check('outbox_status_check', oneOf('status', OUTBOX_STATUSES)),
  ],
);

export const handoffs = pgTable(
  'handoffs',
  {
    id: id(),
    tenantId: tenantId(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    trigger: text('trigger').notNull(),
    status: text('status').$type<(typeof HANDOFF_STATUSES)[number]>().notNull().default('pendente'),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    acceptedAt: at('accepted_at'),
    resolvedAt: at('resolved_at'),
    /** What ended the episode (operator, api, idle, chatwoot…): Chatwoot is not told its own changes. */
    releaseTrigger: text('release_trigger'),
    /** What the operator reads first: why, what the contact wants, what was answered, lead fields. */
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('handoffs_status_created_idx').on(t.status, t.createdAt),
    index('handoffs_tenant_status_idx').on(t.tenantId, t.status),
    index('handoffs_conversation_idx').on(t.conversationId),
    check('handoffs_status_check', oneOf('status', HANDOFF_STATUSES)),
  ],
);

export const INTEGRATION_DELIVERY_STATUSES = ['pendente', 'enviando', 'enviada', 'dlq'] as const;

/**
 * Calls to outside services that follow handoffs and messages (Slack notifications, the Chatwoot
 * mirror): one row per call, found by scanning the rows they follow, so none is lost or made
 * twice (`dedupe_key`); retried with backoff until delivered or dead-lettered. Rows of one `lane`
 * (a target and a conversation) go out in `created_at` order.
 */
export const integrationDeliveries = pgTable(
  'integration_deliveries',
  {
    id: id(),
    tenantId: tenantId(),
    conversationId: uuid('conversation_id').references(() => conversations.id, {
      onDelete: 'cascade',
    }),
    target: text('target').notNull(),
    kind: text('kind').notNull(),
    lane: text('lane').notNull(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status')
      .$type<(typeof INTEGRATION_DELIVERY_STATUSES)[number]>()
      .notNull()
      .default('pendente'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    deliveredAt: at('delivered_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('integration_deliveries_status_next_idx').on(t.status, t.nextAttemptAt),
    index('integration_deliveries_lane_created_idx').on(t.lane, t.createdAt),
    check('integration_deliveries_status_check', oneOf('status', INTEGRATION_DELIVERY_STATUSES)),
  ],
);

export const auditLogs = pgTable(
  'audit_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null for instance-wide actions (lockdown, maintenance). */
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('audit_logs_created_idx').on(t.createdAt),
  ],
);

/**
 * A channel's circuit breaker per tenant (issue 13): consecutive retryable send failures; once
 * open, one probe send per backoff period (`next_probe_at`) instead of one attempt per reply.
 * No row: closed. Shared by every dispatcher process, and read by health, /metrics and doctor.
 */
export const channelBreakers = pgTable(
  'channel_breakers',
  {
    tenantId: tenantId(),
    channel: text('channel').notNull(),
    failures: integer('failures').notNull().default(0),
    openedAt: at('opened_at'),
    nextProbeAt: at('next_probe_at'),
    lastError: text('last_error'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.channel] })],
);

/** The runbooks' names for the outbox and the messages (seed 001), as updatable views. */
export const filaMensagens = pgView('fila_mensagens').as((qb) => qb.select().from(outbox));
export const interacoes = pgView('interacoes').as((qb) => qb.select().from(messages));

/**
 * The Postgres queue backend (SPEC §4): one row per entry; `queue` holds the stream name
 * (`omni.messages`, `omni.outbox`, `omni.events`). A claimed entry carries its owner and lease.
 */
export const queueEntries = pgTable(
  'queue_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Entries with the same key coalesce while one is waiting (one wake-up per conversation). */
    dedupeKey: text('dedupe_key'),
    availableAt: at('available_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: at('lease_expires_at'),
    errors: jsonb('errors').$type<unknown[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    index('queue_entries_ready_idx').on(t.queue, t.availableAt),
    index('queue_entries_lease_idx').on(t.queue, t.leaseExpiresAt),
    uniqueIndex('queue_entries_waiting_uq')
      .on(t.queue, t.dedupeKey)
      .where(sql`${t.dedupeKey} is not null and ${t.leaseOwner} is null`),
  ],
);

/** Entries that exhausted their retries or could not be parsed (the `omni.dlq` stream's truth). */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    queue: text('queue').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    reason: text('reason').notNull(),
    errors: jsonb('errors').$type<unknown[]>().notNull().default([]),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    replayedAt: at('replayed_at'),
  },
  (t) => [
    index('dead_letters_created_idx').on(t.createdAt),
    index('dead_letters_tenant_idx').on(t.tenantId, t.createdAt),
  ],
);

/** A message's state history: received → processing → answered → sent → delivered, or failed/dlq. */
export const messageEvents = pgTable(
  'message_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantId(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    state: text('state').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('message_events_message_idx').on(t.messageId, t.id)],
);

/**
 * Runtime switches every process reads (queue pause per role, maintenance, fallback,
 * integrations): changed by the CLI or API, effective everywhere without a restart.
 */
export const switches = pgTable('switches', {
  name: text('name').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: updatedAt(),
  updatedBy: text('updated_by'),
});

/** The price table of LLM models (USD per 1M tokens), editable; seeded for the default models. */
export const aiModels = pgTable(
  'ai_models',
  {
    id: id(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputUsdPerMillion: numeric('input_usd_per_million', { precision: 12, scale: 6 }).notNull(),
    outputUsdPerMillion: numeric('output_usd_per_million', { precision: 12, scale: 6 }).notNull(),
    cachedInputUsdPerMillion: numeric('cached_input_usd_per_million', { precision: 12, scale: 6 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('ai_models_provider_model_uq').on(t.provider, t.model)],
);

/** Every LLM attempt of the gateway cascade: who was asked, how it went, what it cost. */
export const llmAttempts = pgTable(
  'llm_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, {
      onDelete: 'cascade',
    }),
    turnId: uuid('turn_id').references(() => turns.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    phase: text('phase').notNull(),
    outcome: text('outcome').notNull(),
    errorKind: text('error_kind'),
    error: text('error'),
    latencyMs: integer('latency_ms').notNull(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 8 }),
    createdAt: createdAt(),
  },
  (t) => [
    index('llm_attempts_turn_idx').on(t.turnId),
    index('llm_attempts_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);

/**
 * What a channel accepted of each outbound message, one row per part (long replies are split at
 * the channel's limit). A retried send skips the parts already delivered; the provider's id of
 * each part recognises Evolution's echo of our own sends and maps Cloud API status webhooks
 * (sent/delivered/read/failed) back to the message.
 */
export const channelDeliveries = pgTable(
  'channel_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantId(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    part: integer('part').notNull(),
    recipient: text('recipient').notNull(),
    body: text('body').notNull(),
    /** `sending` while the request is out (its outcome unknown), `sent` once the channel took it. */
    status: text('status').notNull(),
    providerMessageId: text('provider_message_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('channel_deliveries_part_uq').on(t.idempotencyKey, t.part),
    index('channel_deliveries_provider_idx').on(t.tenantId, t.channel, t.providerMessageId),
    index('channel_deliveries_recipient_idx').on(t.tenantId, t.channel, t.recipient, t.createdAt),
  ],
);

/** What happened to one attachment: waiting to be fetched, kept, or not kept (and why). */
export const MEDIA_STATES = ['pending', 'stored', 'refused', 'failed'] as const;

/**
 * Every attachment of an inbound message (issue 16), in the order the channel gave them. The
 * file itself is in the media store under `storage_key` (its SHA-256, per tenant); `source` says
 * how the channel lets us fetch it when the webhook did not carry it. The transcript and
 * extracted text are computed once and kept here, so a replayed turn never pays for them again.
 */
export const messageMedia = pgTable(
  'message_media',
  {
    id: id(),
    tenantId: tenantId(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    /** voice, audio, image, video, document, sticker. */
    kind: text('kind').notNull(),
    mimeType: text('mime_type'),
    fileName: text('file_name'),
    caption: text('caption'),
    source: jsonb('source').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<(typeof MEDIA_STATES)[number]>().notNull(),
    /** Why it was refused or could not be fetched: a MediaError code. */
    error: text('error'),
    storageKey: text('storage_key'),
    sha256: text('sha256'),
    sizeBytes: integer('size_bytes'),
    transcript: text('transcript'),
    /** `provider:model` that transcribed it. */
    transcribedBy: text('transcribed_by'),
    /** Text taken out of a document (PDF, plain text), given to the agent as quoted data. */
    extractedText: text('extracted_text'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('message_media_position_uq').on(t.messageId, t.position),
    index('message_media_tenant_key_idx').on(t.tenantId, t.storageKey),
    check('message_media_status_check', oneOf('status', MEDIA_STATES)),
  ],
);

/** Where a polling channel left off (Telegram's getUpdates offset), so a restart resumes there. */
export const channelCursors = pgTable('channel_cursors', {
  name: text('name').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});

/** Postgres full-text vectors; written by a generated column, read only through SQL. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** Knowledge base (SPEC §7.5): one row per ingested source; re-ingesting the same hash is a no-op. */
export const kbDocuments = pgTable(
  'kb_documents',
  {
    id: id(),
    tenantId: tenantId(),
    /** Where it came from (file path, URL or a caller's name); unique per tenant. */
    source: text('source').notNull(),
    title: text('title').notNull(),
    format: text('format').notNull(),
    /** SHA-256 of the raw content, hex. */
    contentHash: text('content_hash').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('kb_documents_source_uq').on(t.tenantId, t.source)],
);

/**
 * A passage of a document, cut on its structure (headings, paragraphs, FAQ pairs). `search_text` is
 * the heading and text lower-cased without accents (PGlite has no `unaccent`), and `tsv` indexes it
 * with both the Portuguese and the English stemmers.
 */
export const kbChunks = pgTable(
  'kb_chunks',
  {
    id: id(),
    tenantId: tenantId(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => kbDocuments.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    heading: text('heading'),
    content: text('content').notNull(),
    searchText: text('search_text').notNull(),
    tsv: tsvector('tsv')
      .notNull()
      .generatedAlwaysAs(
        sql`to_tsvector('portuguese', search_text) || to_tsvector('english', search_text)`,
      ),
    /** Indexed tokens (positions in `tsv`): the document length of BM25. */
    tokenCount: integer('token_count').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('kb_chunks_document_idx').on(t.documentId, t.position),
    index('kb_chunks_tenant_idx').on(t.tenantId),
    index('kb_chunks_tsv_idx').using('gin', t.tsv),
  ],
);

/**
 * Passage embeddings per tenant, model and text (`md5(kb_chunks.search_text)`): re-ingesting the
 * same text re-uses them, a model change adds a new set (`omni kb reindex` drops the old one).
 * Unit-length `real[]`, cast to pgvector's `vector` at query time where the extension exists.
 */
export const kbEmbeddings = pgTable(
  'kb_embeddings',
  {
    tenantId: tenantId(),
    model: text('model').notNull(),
    textHash: text('text_hash').notNull(),
    embedding: real('embedding').array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.model, t.textHash] })],
);

/** Qualified sales leads (`create_or_update_lead`): one per contact, updated as the talk goes on. */
export const leads = pgTable(
  'leads',
  {
    id: id(),
    tenantId: tenantId(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, {
      onDelete: 'set null',
    }),
    name: text('name'),
    email: text('email'),
    phone: text('phone'),
    company: text('company'),
    need: text('need'),
    budget: text('budget'),
    timing: text('timing'),
    /** 0–100, from how much of the qualification is known. */
    score: integer('score').notNull().default(0),
    stage: text('stage').notNull().default('new'),
    crmId: text('crm_id'),
    crmStatus: text('crm_status'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('leads_contact_uq')
      .on(t.tenantId, t.contactId)
      .where(sql`${t.contactId} is not null`),
    index('leads_tenant_stage_idx').on(t.tenantId, t.stage),
  ],
);

/** Agents a tenant adds or adjusts (the built-in `support` and `sales` exist without a row). */
export const agents = pgTable(
  'agents',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** What the router reads to send a conversation here. */
    description: text('description').notNull(),
    tools: text('tools').array().notNull().default(sql`'{}'::text[]`),
    /** `{ preferred_provider?, providers?, max_cost? }`, as the gateway's call policy. */
    model: jsonb('model').$type<Record<string, unknown>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('agents_tenant_name_uq').on(t.tenantId, t.name)],
);

/** Versioned agent prompts per tenant; one active version per agent, recorded on each turn. */
export const prompts = pgTable(
  'prompts',
  {
    id: id(),
    tenantId: tenantId(),
    agent: text('agent').notNull(),
    version: integer('version').notNull(),
    body: text('body').notNull(),
    active: boolean('active').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('prompts_version_uq').on(t.tenantId, t.agent, t.version),
    uniqueIndex('prompts_active_uq').on(t.tenantId, t.agent).where(sql`${t.active}`),
  ],
);

/**
 * HTTP tools a tenant declares for its agents: the model sees name, description and the JSON
 * schema of the arguments; URL and secret headers stay on the server.
 */
export const httpTools = pgTable(
  'http_tools',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    url: text('url').notNull(),
    method: text('method').notNull().default('POST'),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default({}),
    timeoutMs: integer('timeout_ms').notNull().default(5000),
    secretHeaders: jsonb('secret_headers').$type<Record<string, string>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('http_tools_tenant_name_uq').on(t.tenantId, t.name)],
);

/**
 * `omni eval` runs (conversation tests a team writes in YAML), recorded for a tenant so its
 * dashboard shows the last one: the totals and each case's outcome with its failed expectations.
 */
export const evalRuns = pgTable(
  'eval_runs',
  {
    id: id(),
    tenantId: tenantId(),
    /** `simulator` (scripted answers) or `providers` (real models). */
    mode: text('mode').notNull(),
    total: integer('total').notNull(),
    passed: integer('passed').notNull(),
    failed: integer('failed').notNull(),
    regressions: integer('regressions').notNull().default(0),
    cases: jsonb('cases').$type<Array<Record<string, unknown>>>().notNull().default([]),
    startedAt: at('started_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('eval_runs_tenant_created_idx').on(t.tenantId, t.createdAt)],
);

/**
 * Cached answers to first questions (the response cache without Redis; with Redis they are
 * `cache:<tenant>:<key>` keys). The key already holds the tenant, the normalised question and the
 * knowledge-base and prompt versions, so a change of either is a miss, never a stale answer.
 */
export const responseCache = pgTable(
  'response_cache',
  {
    key: text('key').primaryKey(),
    tenantId: tenantId(),
    reply: jsonb('reply').$type<Record<string, unknown>>().notNull(),
    expiresAt: at('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('response_cache_expiry_idx').on(t.tenantId, t.expiresAt)],
);
