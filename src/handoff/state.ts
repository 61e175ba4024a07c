/**
 * The handoff state machine (SPEC §7.6) on `conversations.controlled_by`:
 * `bot → pending_human → human → bot`, with one `handoffs` row per episode
 * (`pendente → aceito → resolvido`, or `cancelado` when released before anyone took it).
 * Every transition locks the conversation row, so two surfaces (dashboard, phone, Chatwoot,
 * escalation) acting at once serialise instead of creating two episodes. The bot's silence
 * itself is enforced by the pipeline, which re-checks `controlled_by` before committing a turn
 * and again before sending (fencing).
 */
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { announceMessageEvents } from '../pipeline/index.ts';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { HandoffError } from './errors.ts';
import { type HandoffChange, notifyHandoffChange } from './events.ts';
import { markerText } from './messages.ts';
import { buildHandoffSummary } from './summary.ts';

/** Who or what moved the conversation. `idle` is the idle-release timer. */
export const HANDOFF_TRIGGERS = [
  'escalation',
  'tool',
  'operator',
  'phone',
  'chatwoot',
  'api',
  'idle',
] as const;
export type HandoffTrigger = (typeof HANDOFF_TRIGGERS)[number];

export type Handoff = typeof schema.handoffs.$inferSelect;

const OPEN_STATUSES = ['pendente', 'aceito'] as const;
/** How many of the human's last messages the marker quotes, and how long each quote may be. */
const MARKER_QUOTES = 3;
const QUOTE_CHARS = 200;

export interface RequestHandoffInput {
  tenantId: string;
  conversationId: string;
  reason: string;
  trigger: HandoffTrigger;
  /** Where the request came from, for the log and the notification (agent name, tool, route). */
  source?: string;
}

export interface TakeOverInput {
  tenantId: string;
  conversationId: string;
  /** The dashboard user taking over; absent for the phone, Chatwoot or an API key. */
  operatorId?: string;
  trigger: HandoffTrigger;
  reason?: string;
}

export interface ReleaseInput {
  tenantId: string;
  conversationId: string;
  trigger: HandoffTrigger;
}

export interface HandoffResult {
  handoff: Handoff | undefined;
  controlledBy: (typeof schema.CONTROLLERS)[number];
  /** False when the call found the conversation already in the asked state (idempotent). */
  changed: boolean;
}

type Conversation = typeof schema.conversations.$inferSelect;

async function lockConversation(tx: Db, tenantId: string, conversationId: string) {
  const [row] = await tx
    .select()
    .from(schema.conversations)
    .where(
      and(eq(schema.conversations.id, conversationId), eq(schema.conversations.tenantId, tenantId)),
    )
    .for('update');
  if (!row) throw new HandoffError('not_found', `No conversation "${conversationId}".`);
  return row;
}

async function openHandoff(tx: Db, conversationId: string): Promise<Handoff | undefined> {
  const [row] = await tx
    .select()
    .from(schema.handoffs)
    .where(
      and(
        eq(schema.handoffs.conversationId, conversationId),
        inArray(schema.handoffs.status, [...OPEN_STATUSES]),
      ),
    )
    .orderBy(desc(schema.handoffs.createdAt))
    .limit(1);
  return row;
}

async function setController(
  tx: Db,
  conversation: Conversation,
  controlledBy: (typeof schema.CONTROLLERS)[number],
  assigneeId: string | null,
) {
  await tx
    .update(schema.conversations)
    .set({ controlledBy, assigneeId, updatedAt: sql`now()` })
    .where(eq(schema.conversations.id, conversation.id));
}

/** Asks for a human: `pending_human` and a `pendente` episode, unless one is already open. */
export async function requestHandoff(db: Db, input: RequestHandoffInput): Promise<HandoffResult> {
  const result = await db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, input.tenantId, input.conversationId);
    const open = await openHandoff(tx, conversation.id);
    if (open) {
      return { handoff: open, controlledBy: conversation.controlledBy, changed: false };
    }
    // A human already in charge without an episode (e.g. data from before this table) keeps it.
    const human = conversation.controlledBy === 'human';
    const [handoff] = await tx
      .insert(schema.handoffs)
      .values({
        tenantId: input.tenantId,
        conversationId: conversation.id,
        reason: input.reason,
        trigger: input.trigger,
        status: human ? 'aceito' : 'pendente',
        acceptedAt: human ? sql`now()` : null,
        summary: { ...(await buildHandoffSummary(tx, conversation.id, input.reason)) },
      })
      .returning();
    const controlledBy = human ? 'human' : 'pending_human';
    await setController(tx, conversation, controlledBy, conversation.assigneeId);
    return { handoff: handoff as Handoff, controlledBy, changed: true } as const;
  });
  if (result.changed) emit('requested', input, result.handoff, input.source);
  return result;
}

/** A human takes the conversation: `human`, the open episode accepted (or a new one, accepted). */
export async function takeOver(db: Db, input: TakeOverInput): Promise<HandoffResult> {
  const result = await db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, input.tenantId, input.conversationId);
    const open = await openHandoff(tx, conversation.id);
    const operatorId = input.operatorId ?? null;
    if (open?.status === 'aceito' && conversation.controlledBy === 'human') {
      return { handoff: open, controlledBy: 'human', changed: false, created: false } as const;
    }
    let handoff: Handoff;
    let created = false;
    if (open) {
      const [accepted] = await tx
        .update(schema.handoffs)
        .set({
          status: 'aceito',
          acceptedBy: operatorId ?? open.acceptedBy,
          acceptedAt: sql`coalesce(${schema.handoffs.acceptedAt}, now())`,
          updatedAt: sql`now()`,
        })
        .where(eq(schema.handoffs.id, open.id))
        .returning();
      handoff = accepted as Handoff;
    } else {
      const [inserted] = await tx
        .insert(schema.handoffs)
        .values({
          tenantId: input.tenantId,
          conversationId: conversation.id,
          reason: input.reason ?? `taken over (${input.trigger})`,
          trigger: input.trigger,
          status: 'aceito',
          acceptedBy: operatorId,
          acceptedAt: sql`now()`,
          summary: {
            ...(await buildHandoffSummary(
              tx,
              conversation.id,
              input.reason ?? `taken over (${input.trigger})`,
            )),
          },
        })
        .returning();
      handoff = inserted as Handoff;
      created = true;
    }
    await setController(tx, conversation, 'human', operatorId ?? conversation.assigneeId);
    return { handoff, controlledBy: 'human', changed: true, created } as const;
  });
  if (result.created) emit('requested', input, result.handoff, input.trigger);
  if (result.changed) emit('taken', input, result.handoff);
  return { handoff: result.handoff, controlledBy: result.controlledBy, changed: result.changed };
}

/**
 * Back to the bot: the episode closes (`resolvido`, or `cancelado` if nobody had taken it) and a
 * system message summarising the human stretch joins the history the model reads.
 */
export function release(db: Db, input: ReleaseInput): Promise<HandoffResult> {
  return closeEpisode(db, input, false);
}

/** Release, and the conversation itself is resolved: the contact's next message opens a new one. */
export function resolve(db: Db, input: ReleaseInput): Promise<HandoffResult> {
  return closeEpisode(db, input, true);
}

async function closeEpisode(
  db: Db,
  input: ReleaseInput,
  resolveConversation: boolean,
): Promise<HandoffResult> {
  const result = await db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, input.tenantId, input.conversationId);
    const open = await openHandoff(tx, conversation.id);
    let handoff = open;
    if (open) {
      const [closed] = await tx
        .update(schema.handoffs)
        .set({
          status: open.status === 'pendente' && !resolveConversation ? 'cancelado' : 'resolvido',
          resolvedAt: sql`now()`,
          releaseTrigger: input.trigger,
          updatedAt: sql`now()`,
        })
        .where(eq(schema.handoffs.id, open.id))
        .returning();
      handoff = closed;
    }
    const wasHuman = conversation.controlledBy !== 'bot';
    if (wasHuman) await writeMarker(tx, conversation, open);
    if (wasHuman || open) await setController(tx, conversation, 'bot', null);
    const resolving = resolveConversation && conversation.status === 'active';
    if (resolving) {
      await tx
        .update(schema.conversations)
        .set({ status: 'resolved', resolvedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(schema.conversations.id, conversation.id));
    }
    const changed = wasHuman || open !== undefined || resolving;
    return { handoff, controlledBy: 'bot', changed } as const;
  });
  if (result.changed && result.handoff) {
    emit(resolveConversation ? 'resolved' : 'released', input, result.handoff);
  }
  return result;
}

async function writeMarker(tx: Db, conversation: Conversation, episode: Handoff | undefined) {
  const since = episode?.createdAt ?? conversation.updatedAt;
  const stretch = await tx
    .select({ author: schema.messages.author, body: schema.messages.body })
    .from(schema.messages)
    .where(
      and(
        eq(schema.messages.conversationId, conversation.id),
        gt(schema.messages.createdAt, since),
        inArray(schema.messages.author, ['contact', 'operator']),
      ),
    )
    .orderBy(schema.messages.createdAt);
  const operatorSaid = stretch.filter((m) => m.author === 'operator').map((m) => m.body);
  const summary = {
    contactMessages: stretch.filter((m) => m.author === 'contact').length,
    operatorMessages: operatorSaid.length,
    operatorQuotes: operatorSaid
      .slice(-MARKER_QUOTES)
      .map((text) => (text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text)),
  };
  const [tenant] = await tx
    .select({ settings: schema.tenants.settings })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, conversation.tenantId));
  const language = typeof tenant?.settings.language === 'string' ? tenant.settings.language : '';
  const [marker] = await tx
    .insert(schema.messages)
    .values({
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      // Never sent: `outbound` keeps it out of the inbound work, and it has no outbox row.
      direction: 'outbound',
      author: 'system',
      channel: conversation.channel,
      body: markerText(language, summary),
      content: {
        kind: 'handoff_marker',
        handoff_id: episode?.id ?? null,
        contact_messages: summary.contactMessages,
        operator_messages: summary.operatorMessages,
      },
      status: 'internal',
    })
    .returning({ id: schema.messages.id });
  await announceMessageEvents(tx, [
    {
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      messageId: (marker as { id: string }).id,
      state: 'internal',
    },
  ]);
}

function emit(
  type: HandoffChange['type'],
  input: { tenantId: string; conversationId: string; trigger: HandoffTrigger },
  handoff: Handoff | undefined,
  source?: string,
) {
  notifyHandoffChange({
    type,
    tenantId: input.tenantId,
    conversationId: input.conversationId,
    handoffId: handoff?.id,
    trigger: input.trigger,
    reason: handoff?.reason,
    source,
  });
}
