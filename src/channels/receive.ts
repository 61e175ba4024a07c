/**
 * What every channel does with parsed inbound events (SPEC §6): contact messages go to the
 * pipeline's ingest; a message from the business's own phone that is not our echo is stored as an
 * operator message and hands the conversation to the human (handoff trigger `phone`); delivery
 * statuses move our messages forward, and one that says only a person can reach the contact now
 * asks for a handoff.
 */
import { eq, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { requestHandoff, takeOver } from '../handoff/index.ts';
import type { Logger } from '../observability/index.ts';
import { openConversation } from '../pipeline/index.ts';
import { type Db, schema } from '../storage/index.ts';
import { applyDeliveryState, isOwnEcho } from './deliveries.ts';
import type { InboundContact, InboundEvent } from './types.ts';

export type ChannelIngest = (input: {
  tenantId: string;
  channel: string;
  contact: InboundContact;
  externalId: string;
  text: string;
  content?: Record<string, unknown>;
}) => Promise<{ duplicate: boolean }>;

export interface ReceiveDeps {
  db: Db;
  logger: Logger;
  ingest: ChannelIngest;
  /** The scale profile's Redis, where `status:<messageId>` mirrors each message's state. */
  redis?: Redis;
}

export interface ReceiveSummary {
  stored: number;
  duplicates: number;
  operatorMessages: number;
  echoes: number;
  statuses: number;
  ignored: string[];
}

export async function receive(
  deps: ReceiveDeps,
  tenantId: string,
  channel: string,
  events: InboundEvent[],
): Promise<ReceiveSummary> {
  const summary: ReceiveSummary = {
    stored: 0,
    duplicates: 0,
    operatorMessages: 0,
    echoes: 0,
    statuses: 0,
    ignored: [],
  };
  for (const event of events) {
    switch (event.kind) {
      case 'message': {
        const result = await deps.ingest({ tenantId, channel, ...event });
        if (result.duplicate) summary.duplicates++;
        else summary.stored++;
        break;
      }
      case 'operator_message': {
        const echo = await isOwnEcho(deps.db, {
          tenantId,
          channel,
          providerMessageId: event.externalId,
          recipient: event.contact.externalId,
          text: event.text,
        });
        if (echo) {
          summary.echoes++;
          break;
        }
        const conversationId = await recordOperatorMessage(deps.db, tenantId, channel, event);
        if (conversationId) {
          await takeOver(deps.db, { tenantId, conversationId, trigger: 'phone' });
          deps.logger.info(
            { tenant_id: tenantId, conversation_id: conversationId, channel },
            'operator answered from the phone; the conversation is now human',
          );
          summary.operatorMessages++;
        } else summary.duplicates++;
        break;
      }
      case 'status': {
        const applied = await applyDeliveryState(deps.db, { tenantId, channel, ...event });
        if (applied) {
          summary.statuses++;
          await mirrorDeliveryState(deps.redis, applied);
        }
        if (applied && event.needsHuman) {
          await requestHandoff(deps.db, {
            tenantId,
            conversationId: applied.conversationId,
            reason: event.error?.message ?? 'the channel can no longer deliver bot messages',
            trigger: 'escalation',
            source: `${channel} delivery status`,
          });
          deps.logger.warn(
            { tenant_id: tenantId, conversation_id: applied.conversationId, channel },
            'the channel refused a bot message only a person can send now; handoff requested',
          );
        }
        break;
      }
      case 'ignored':
        summary.ignored.push(event.reason);
        break;
    }
  }
  return summary;
}

/** Same hash, fields and lifetime as the pipeline's mirror (pipeline/message-state.ts). */
const MIRROR_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Seed 000's `HGETALL status:<id>` shows delivered/read too. Best effort, like every mirror write:
 * the database already has the state.
 */
async function mirrorDeliveryState(
  redis: Redis | undefined,
  applied: { messageId: string; conversationId: string; state: string },
): Promise<void> {
  if (!redis) return;
  const key = `status:${applied.messageId}`;
  await redis
    .pipeline()
    .hset(key, {
      state: applied.state,
      conversation: applied.conversationId,
      updated_at: new Date().toISOString(),
    })
    .expire(key, MIRROR_TTL_SECONDS)
    .exec()
    .catch(() => {});
}

/**
 * Stores a message someone sent from the business's phone as an operator message in the contact's
 * active conversation (opening one if needed). Undefined when it was already stored.
 */
async function recordOperatorMessage(
  db: Db,
  tenantId: string,
  channel: string,
  event: Extract<InboundEvent, { kind: 'operator_message' }>,
): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const { conversationId } = await openConversation(tx, {
      tenantId,
      channel,
      contact: event.contact,
    });
    const inserted = await tx
      .insert(schema.messages)
      .values({
        tenantId,
        conversationId,
        direction: 'outbound',
        author: 'operator',
        channel,
        externalId: event.externalId,
        body: event.text,
        content: { source: 'phone' },
        status: 'sent',
      })
      .onConflictDoNothing({
        target: [schema.messages.tenantId, schema.messages.channel, schema.messages.externalId],
        where: sql`external_id is not null`,
      })
      .returning({ id: schema.messages.id });
    if (inserted.length === 0) return undefined;
    await tx
      .update(schema.conversations)
      .set({ lastMessageAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(schema.conversations.id, conversationId));
    return conversationId;
  });
}
