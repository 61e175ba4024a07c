/**
 * The inbound worker's job for one conversation (SPEC §4.3): take the lease, wait out the debounce
 * window, answer every unanswered inbound in one turn, and commit reply, turn record and outbox
 * row together — unless a newer inbound arrived meanwhile (then the reply is discarded and the
 * turn recomputed) or a human took over (then the bot stays silent).
 */
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { attachmentsOf, type PreparedTurnMedia, prepareTurnMedia } from '../media/index.ts';
import { backoffDelayMs } from '../queue/index.ts';
import type { Db } from '../storage/index.ts';
import { queryRows, schema } from '../storage/index.ts';
import { acquireLease, extendLease, holdsLease, type Lease, releaseLease } from './lease.ts';
import { mirrorStates, recordStates, type StateChange } from './message-state.ts';
import { ModelsUnavailable, type PipelineDeps, type TurnReply } from './types.ts';

/** How often a turn in progress looks for a newer inbound (abort-on-newer). */
const NEWER_POLL_MS = 150;
/** How many earlier messages the responder sees. */
const HISTORY_WINDOW = 20;

export type TurnOutcome =
  | 'answered'
  | 'nothing'
  | 'busy'
  | 'debouncing'
  | 'human'
  | 'lease_lost'
  | 'waiting_for_models';

/** Retries of a turn waiting out a model outage start from this and double up to the cap. */
const OUTAGE_RETRY_BASE_MS = 1_000;
const OUTAGE_RETRY_CAP_MS = 30_000;
/** The mark a turn that waited for the models leaves in `turns.error`. */
const MODELS_UNAVAILABLE = 'models_unavailable';

interface Pending {
  id: string;
  body: string;
  /** The channel's placeholder for media (`[voice]`) stands in this message's body. */
  placeholder: boolean;
  created_at: Date | string;
  db_now: Date | string;
}

/** A type, not an interface, so it is a plain JSON record for the queue. */
export type ConversationWork = {
  tenantId: string;
  conversationId: string;
};

/** Raised when the responder failed; the message ids let the caller mark them failed at the end. */
export class TurnFailed extends Error {
  readonly messageIds: string[];
  constructor(message: string, messageIds: string[], cause: unknown) {
    super(message, { cause });
    this.name = 'TurnFailed';
    this.messageIds = messageIds;
  }
}

export async function answerConversation(
  deps: PipelineDeps,
  work: ConversationWork,
  owner: string,
): Promise<TurnOutcome> {
  const leaseMs = deps.settings.claimIdleMs;
  const lease = await acquireLease(deps.db, work.conversationId, owner, leaseMs);
  if (!lease) return 'busy';
  const keepAlive = setInterval(
    () => void extendLease(deps.db, lease, leaseMs).catch(() => {}),
    Math.max(100, leaseMs / 3),
  );
  try {
    let outcome: TurnOutcome = 'nothing';
    // Loops while turns get aborted by newer messages; each pass answers everything pending.
    for (;;) {
      const pass = await runTurn(deps, work, lease);
      if (pass === 'aborted') continue;
      if (pass === 'answered') {
        outcome = 'answered';
        continue;
      }
      return outcome === 'answered' && pass === 'nothing' ? 'answered' : pass;
    }
  } finally {
    clearInterval(keepAlive);
    await releaseLease(deps.db, lease).catch(() => {});
  }
}

async function runTurn(
  deps: PipelineDeps,
  work: ConversationWork,
  lease: Lease,
): Promise<TurnOutcome | 'aborted'> {
  const { db, settings } = deps;
  // With the lease held, `processing` rows can only be left over from a worker that died.
  const pending = await queryRows<Pending>(
    db,
    sql`select id, body, content ? 'media' as placeholder, created_at, now() as db_now from messages
         where conversation_id = ${work.conversationId} and direction = 'inbound'
           and status in ('received', 'processing')
         order by created_at, id`,
  );
  if (pending.length === 0) return 'nothing';

  const [conversation] = await db
    .select()
    .from(schema.conversations)
    .where(eq(schema.conversations.id, work.conversationId));
  if (!conversation) return 'nothing';
  const ids = pending.map((m) => m.id);
  const changes = (state: string, detail?: Record<string, unknown>): StateChange[] =>
    ids.map((messageId) => ({
      tenantId: work.tenantId,
      conversationId: work.conversationId,
      messageId,
      state,
      detail,
    }));

  if (conversation.controlledBy !== 'bot') {
    const awaiting = changes('awaiting_human');
    await db.transaction((tx) => recordStates(tx, awaiting));
    await mirrorStates(deps.redis, awaiting);
    return 'human';
  }

  const now = new Date(pending[0]?.db_now as Date).getTime();
  const first = new Date(pending[0]?.created_at as Date).getTime();
  const last = new Date(pending[pending.length - 1]?.created_at as Date).getTime();
  const due = Math.min(last + settings.debounceMs, first + settings.debounceMaxMs);
  if (now < due) {
    await deps.queue.enqueue('omni.messages', work, {
      key: work.conversationId,
      delayMs: due - now,
    });
    return 'debouncing';
  }

  // The media step is part of turn assembly: the turn waits until every attachment is understood
  // (or its deadline passed), and whatever arrived meanwhile joins the turn before it starts.
  const language = await languageOf(db, work.tenantId);
  let media: PreparedTurnMedia = { texts: new Map() };
  if (deps.media) {
    const fetchMedia = deps.channels.get(conversation.channel)?.fetchMedia;
    media = await prepareTurnMedia(db, deps.media, {
      tenantId: work.tenantId,
      messages: pending.map((m) => ({ id: m.id, body: m.body, bodyIsPlaceholder: m.placeholder })),
      language,
      fetch: fetchMedia?.bind(deps.channels.get(conversation.channel)),
    });
    if (media.texts.size > 0 && (await pendingCount(db, work.conversationId)) > pending.length) {
      return 'aborted';
    }
  }

  // Holding the lease, any turn still `running` belongs to a worker that died mid-turn.
  await db
    .update(schema.turns)
    .set({ status: 'abandoned', finishedAt: sql`now()` })
    .where(
      and(eq(schema.turns.conversationId, work.conversationId), eq(schema.turns.status, 'running')),
    );
  const [turn] = await db
    .insert(schema.turns)
    .values({
      tenantId: work.tenantId,
      conversationId: work.conversationId,
      status: 'running',
      fencingToken: lease.token,
    })
    .returning({ id: schema.turns.id, startedAt: schema.turns.startedAt });
  const turnId = (turn as { id: string }).id;
  const processing = changes('processing', { turn_id: turnId });
  await db.transaction((tx) => recordStates(tx, processing));
  await mirrorStates(deps.redis, processing);

  const abort = new AbortController();
  const watcher = setInterval(() => {
    void newerInbound(db, work.conversationId)
      .then((newer) => newer && abort.abort())
      .catch(() => {});
  }, NEWER_POLL_MS);
  const started = performance.now();
  const outage = await currentOutage(db, work.conversationId);
  let reply: TurnReply | undefined;
  try {
    // Nothing in the turn could be understood (audio without a transcriber, a refused file):
    // the contact is told so in their language rather than answered with a guess.
    reply = media.notice
      ? { text: media.notice, fallback: 'media_not_understood' }
      : await deps.responder({
          tenantId: work.tenantId,
          conversationId: work.conversationId,
          turnId,
          channel: conversation.channel,
          contact: await contactOf(db, conversation.contactId),
          messages: pending.map((m) => ({
            id: m.id,
            text: media.texts.get(m.id) ?? m.body,
            createdAt: new Date(m.created_at),
          })),
          history: await historyBefore(db, work.conversationId, ids),
          language,
          signal: abort.signal,
          mayWaitForModels: outage.waitedMs < settings.modelOutageWaitMs,
        });
  } catch (error) {
    if (error instanceof ModelsUnavailable && !abort.signal.aborted) {
      await db
        .update(schema.turns)
        .set({
          status: 'failed',
          error: `${MODELS_UNAVAILABLE}: ${error.message}`,
          finishedAt: sql`now()`,
        })
        .where(eq(schema.turns.id, turnId));
      return waitForModels(deps, work, lease, turnId, error, outage.failures + 1);
    }
    if (!abort.signal.aborted) {
      await db
        .update(schema.turns)
        .set({ status: 'failed', error: (error as Error).message, finishedAt: sql`now()` })
        .where(eq(schema.turns.id, turnId));
      throw new TurnFailed(`The responder failed: ${(error as Error).message}`, ids, error);
    }
  } finally {
    clearInterval(watcher);
  }
  const latencyMs = Math.round(performance.now() - started);

  const committed = await db.transaction(async (tx) => {
    if (!(await holdsLease(tx, lease))) return 'lease_lost' as const;
    if (abort.signal.aborted || (await newerInbound(tx, work.conversationId))) {
      await tx
        .update(schema.turns)
        .set({ status: 'aborted', finishedAt: sql`now()` })
        .where(eq(schema.turns.id, turnId));
      return 'aborted' as const;
    }
    const [current] = await tx
      .select({ controlledBy: schema.conversations.controlledBy })
      .from(schema.conversations)
      .where(eq(schema.conversations.id, work.conversationId));
    const notice = reply?.handoffNotice === true && current?.controlledBy === 'pending_human';
    if (current?.controlledBy !== 'bot' && !notice) {
      await tx
        .update(schema.turns)
        .set({ status: 'discarded', finishedAt: sql`now()` })
        .where(eq(schema.turns.id, turnId));
      await recordStates(tx, changes('awaiting_human'));
      return 'human' as const;
    }
    const text = (reply as TurnReply).text;
    const outboundId = await insertBotMessage(tx, work, conversation.channel, text, turnId);
    await tx.update(schema.messages).set({ turnId }).where(inArray(schema.messages.id, ids));
    const done = [
      ...changes('answered', { turn_id: turnId, reply_id: outboundId }),
      {
        tenantId: work.tenantId,
        conversationId: work.conversationId,
        messageId: outboundId,
        state: 'queued',
        detail: { turn_id: turnId },
      },
    ];
    await recordStates(tx, done);
    await tx
      .update(schema.turns)
      .set({
        status: 'committed',
        intent: reply?.intent ?? null,
        confidence: reply?.confidence ?? null,
        agent: reply?.agent ?? null,
        provider: reply?.provider ?? null,
        model: reply?.model ?? null,
        inputTokens: reply?.inputTokens ?? null,
        outputTokens: reply?.outputTokens ?? null,
        costUsd: reply?.costUsd === undefined ? null : String(reply.costUsd),
        latencyMs,
        // A canned answer is not an error, but the turn must say why it was given.
        error: reply?.fallback ? `fallback: ${reply.fallback}` : null,
        finishedAt: sql`now()`,
      })
      .where(eq(schema.turns.id, turnId));
    await tx.insert(schema.outbox).values({
      tenantId: work.tenantId,
      conversationId: work.conversationId,
      messageId: outboundId,
      channel: conversation.channel,
      idempotencyKey: `reply:${turnId}`,
      payload: notice ? { text, notice: 'handoff' } : { text },
    });
    await tx
      .update(schema.conversations)
      .set({ lastMessageAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(schema.conversations.id, work.conversationId));
    return done;
  });

  if (committed === 'aborted') {
    deps.metrics.turnsAborted.inc();
    deps.logger.info(
      { conversation_id: work.conversationId, turn_id: turnId },
      'turn aborted: a newer message arrived',
    );
    const back = changes('received', { aborted_turn: turnId });
    await db.transaction((tx) => recordStates(tx, back));
    return 'aborted';
  }
  if (committed === 'lease_lost' || committed === 'human') return committed;

  await mirrorStates(deps.redis, committed);
  deps.metrics.inboundMs.observe({ channel: conversation.channel }, Date.now() - first);
  deps.logger.info(
    {
      tenant_id: work.tenantId,
      conversation_id: work.conversationId,
      turn_id: turnId,
      messages: ids.length,
    },
    'turn committed',
  );
  await deps.queue
    .enqueue('omni.outbox', work, {
      key: work.conversationId,
    })
    .catch((error) =>
      deps.logger.warn({ err: error }, 'outbox enqueue failed; the sweeper will retry'),
    );
  return 'answered';
}

/**
 * This conversation's model outage so far: turns that waited for the models since its last
 * committed turn — how many, and how long ago the first one started (0 when there is none).
 */
async function currentOutage(
  db: Db,
  conversationId: string,
): Promise<{ failures: number; waitedMs: number }> {
  const [row] = await queryRows<{ failures: number; waited_ms: number | null }>(
    db,
    sql`select count(*)::int as failures,
               (extract(epoch from now() - min(started_at)) * 1000)::float8 as waited_ms
          from turns
         where conversation_id = ${conversationId} and status = 'failed'
           and error like ${`${MODELS_UNAVAILABLE}:%`}
           and started_at > coalesce((select max(started_at) from turns
                                       where conversation_id = ${conversationId} and status = 'committed'),
                                     '-infinity'::timestamptz)`,
  );
  return { failures: row?.failures ?? 0, waitedMs: Number(row?.waited_ms ?? 0) };
}

/**
 * Every model failed and the turn may wait: the contact hears a holding message once per outage
 * (unless the conversation's last reply already is one), and the turn is tried again with backoff.
 * The inbound messages stay unanswered, so the turn after recovery answers them all.
 */
async function waitForModels(
  deps: PipelineDeps,
  work: ConversationWork,
  lease: Lease,
  turnId: string,
  error: ModelsUnavailable,
  failures: number,
): Promise<TurnOutcome> {
  const { db } = deps;
  const holdingText = error.holdingText;
  const held = holdingText
    ? await db.transaction(async (tx) => {
        if (!(await holdsLease(tx, lease))) return undefined;
        const [last] = await queryRows<{ notice: string | null }>(
          tx,
          sql`select payload->>'notice' as notice from outbox
               where conversation_id = ${work.conversationId} order by created_at desc, id desc limit 1`,
        );
        if (last?.notice === 'holding') return undefined;
        const [conversation] = await tx
          .select({ channel: schema.conversations.channel })
          .from(schema.conversations)
          .where(eq(schema.conversations.id, work.conversationId));
        if (!conversation) return undefined;
        const messageId = await insertBotMessage(tx, work, conversation.channel, holdingText);
        const queued: StateChange[] = [
          {
            tenantId: work.tenantId,
            conversationId: work.conversationId,
            messageId,
            state: 'queued',
            detail: { holding: true, turn_id: turnId },
          },
        ];
        await recordStates(tx, queued);
        await tx.insert(schema.outbox).values({
          tenantId: work.tenantId,
          conversationId: work.conversationId,
          messageId,
          channel: conversation.channel,
          idempotencyKey: `holding:${turnId}`,
          payload: { text: holdingText, notice: 'holding' },
        });
        return queued;
      })
    : undefined;
  if (held) {
    await mirrorStates(deps.redis, held);
    await deps.queue
      .enqueue('omni.outbox', work, { key: work.conversationId })
      .catch((failure) =>
        deps.logger.warn({ err: failure }, 'outbox enqueue failed; the sweeper will retry'),
      );
  }
  const retryInMs = Math.max(
    OUTAGE_RETRY_BASE_MS,
    backoffDelayMs(failures, OUTAGE_RETRY_BASE_MS, OUTAGE_RETRY_CAP_MS),
  );
  await deps.queue.enqueue('omni.messages', work, {
    key: work.conversationId,
    delayMs: retryInMs,
  });
  deps.metrics.modelOutageWaits.inc({ holding: String(held !== undefined) });
  deps.logger.warn(
    {
      tenant_id: work.tenantId,
      conversation_id: work.conversationId,
      turn_id: turnId,
      failures,
      retry_in_ms: retryInMs,
      holding_message: held !== undefined,
    },
    'no model answered; the turn waits for the providers',
  );
  return 'waiting_for_models';
}

/** Stores a bot message of the conversation, queued for its channel; its id. */
async function insertBotMessage(
  tx: Db,
  work: ConversationWork,
  channel: string,
  body: string,
  turnId?: string,
): Promise<string> {
  const [outbound] = await tx
    .insert(schema.messages)
    .values({
      tenantId: work.tenantId,
      conversationId: work.conversationId,
      direction: 'outbound',
      author: 'bot',
      channel,
      body,
      status: 'queued',
      turnId,
    })
    .returning({ id: schema.messages.id });
  return (outbound as { id: string }).id;
}

async function pendingCount(db: Db, conversationId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from messages
         where conversation_id = ${conversationId} and direction = 'inbound'
           and status in ('received', 'processing')`,
  );
  return row?.n ?? 0;
}

async function newerInbound(db: Db, conversationId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: schema.messages.id })
    .from(schema.messages)
    .where(
      and(
        eq(schema.messages.conversationId, conversationId),
        eq(schema.messages.direction, 'inbound'),
        eq(schema.messages.status, 'received'),
      ),
    )
    .limit(1);
  return row !== undefined;
}

async function contactOf(db: Db, contactId: string) {
  const [contact] = await db
    .select({ id: schema.contacts.externalId, name: schema.contacts.displayName })
    .from(schema.contacts)
    .where(eq(schema.contacts.id, contactId));
  return contact ?? { id: '', name: null };
}

async function historyBefore(db: Db, conversationId: string, turnMessageIds: string[]) {
  const [first] = await db
    .select({ createdAt: schema.messages.createdAt })
    .from(schema.messages)
    .where(inArray(schema.messages.id, turnMessageIds))
    .orderBy(asc(schema.messages.createdAt))
    .limit(1);
  if (!first) return [];
  const rows = await db
    .select({
      id: schema.messages.id,
      author: schema.messages.author,
      text: schema.messages.body,
      at: schema.messages.createdAt,
    })
    .from(schema.messages)
    .where(
      and(
        eq(schema.messages.conversationId, conversationId),
        lt(schema.messages.createdAt, first.createdAt),
      ),
    )
    .orderBy(desc(schema.messages.createdAt))
    .limit(HISTORY_WINDOW);
  // Earlier voice notes read as what they said, not as "[voice]".
  const transcripts = new Map(
    (
      await attachmentsOf(
        db,
        rows.map((row) => row.id),
      )
    )
      .filter((row) => row.transcript !== null)
      .map((row) => [row.messageId, `[voice note, transcribed]: ${row.transcript}`]),
  );
  return rows
    .reverse()
    .map(({ id, ...row }) => ({ ...row, text: transcripts.get(id) ?? row.text }));
}

async function languageOf(db: Db, tenantId: string): Promise<string> {
  const [tenant] = await db
    .select({ settings: schema.tenants.settings })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, tenantId));
  return typeof tenant?.settings.language === 'string' ? tenant.settings.language : 'pt-BR';
}
