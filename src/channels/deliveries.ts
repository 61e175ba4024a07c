/**
 * Sending one outbound message as one or more parts (SPEC §6.7), each paced and recorded in
 * `channel_deliveries`: a retry skips the parts the channel already took, and the provider's id of
 * every part lets inbound webhooks recognise our own sends (Evolution's `fromMe` echo) and map
 * delivery statuses back to the message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows, schema } from '../storage/index.ts';
import type { Pacer } from './pacing.ts';
import { splitText } from './split.ts';
import {
  ChannelError,
  DELIVERY_STATES,
  type DeliveryState,
  type OutboundMessage,
  type SendResult,
} from './types.ts';

export interface PartSend {
  channel: string;
  /** Who sends: the business number, the bot, the instance (pacing per sender). */
  sender: string;
  textLimit: number;
  message: OutboundMessage;
  signal: AbortSignal;
  /** Sends one part; returns the provider's id of it. Throws ChannelError on failure. */
  sendPart(text: string, signal: AbortSignal): Promise<string | undefined>;
}

export async function deliverInParts(
  deps: { db: Db; pacer: Pacer },
  send: PartSend,
): Promise<SendResult> {
  const { message, channel } = send;
  const parts = splitText(message.text, send.textLimit);
  if (parts.length === 0) parts.push(message.text);
  const done = await deps.db
    .select({
      part: schema.channelDeliveries.part,
      providerMessageId: schema.channelDeliveries.providerMessageId,
    })
    .from(schema.channelDeliveries)
    .where(
      and(
        eq(schema.channelDeliveries.idempotencyKey, message.idempotencyKey),
        eq(schema.channelDeliveries.status, 'sent'),
      ),
    );
  const ids = new Map(done.map((row) => [row.part, row.providerMessageId ?? undefined]));
  for (const [index, text] of parts.entries()) {
    if (ids.has(index)) continue;
    await waitForTurn(deps.pacer, send);
    // Recorded before the request: an echo webhook may overtake the provider's answer.
    await deps.db
      .insert(schema.channelDeliveries)
      .values({
        tenantId: message.tenantId,
        messageId: message.messageId,
        channel,
        idempotencyKey: message.idempotencyKey,
        part: index,
        recipient: message.to,
        body: text,
        status: 'sending',
      })
      .onConflictDoUpdate({
        target: [schema.channelDeliveries.idempotencyKey, schema.channelDeliveries.part],
        set: { status: 'sending', updatedAt: sql`now()` },
      });
    let providerMessageId: string | undefined;
    try {
      providerMessageId = await send.sendPart(text, send.signal);
    } catch (error) {
      if (error instanceof ChannelError && error.retryAfterMs !== undefined) {
        await (error.holdsSender
          ? deps.pacer.holdOff(channel, 'sender', send.sender, error.retryAfterMs)
          : deps.pacer.holdOff(channel, 'recipient', message.to, error.retryAfterMs));
      }
      throw error;
    }
    ids.set(index, providerMessageId);
    await deps.db
      .update(schema.channelDeliveries)
      .set({
        status: 'sent',
        providerMessageId: providerMessageId ?? null,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(schema.channelDeliveries.idempotencyKey, message.idempotencyKey),
          eq(schema.channelDeliveries.part, index),
        ),
      );
  }
  return { providerMessageId: ids.get(0) };
}

/** Waits for the pacer inside the send's time; a longer wait goes back to the dispatcher as a retry. */
async function waitForTurn(pacer: Pacer, send: PartSend): Promise<void> {
  for (;;) {
    const waitMs = await pacer.take(send.channel, send.sender, send.message.to);
    if (waitMs === 0) return;
    try {
      await sleep(waitMs, undefined, { signal: send.signal });
    } catch {
      throw new ChannelError(`Paced: the next send to this recipient may go in ${waitMs} ms.`, {
        retryable: true,
        retryAfterMs: waitMs,
      });
    }
  }
}

/** An Evolution echo of a send we recorded less than this long ago is matched by its text. */
const ECHO_WINDOW_SECONDS = 120;

/**
 * Whether a `fromMe` message is our own send coming back: its provider id is one we recorded, or
 * (the echo overtook the provider's answer) a part to the same recipient with the same text is
 * still in flight — then the id is recorded on it now.
 */
export async function isOwnEcho(
  db: Db,
  echo: {
    tenantId: string;
    channel: string;
    providerMessageId: string;
    recipient: string;
    text: string;
  },
): Promise<boolean> {
  const known = await db
    .select({ id: schema.channelDeliveries.id })
    .from(schema.channelDeliveries)
    .where(
      and(
        eq(schema.channelDeliveries.tenantId, echo.tenantId),
        eq(schema.channelDeliveries.channel, echo.channel),
        eq(schema.channelDeliveries.providerMessageId, echo.providerMessageId),
      ),
    )
    .limit(1);
  if (known.length > 0) return true;
  const inFlight = await db
    .update(schema.channelDeliveries)
    .set({ providerMessageId: echo.providerMessageId })
    .where(
      sql`${schema.channelDeliveries.id} = (
        select id from channel_deliveries
         where tenant_id = ${echo.tenantId} and channel = ${echo.channel}
           and recipient = ${echo.recipient} and body = ${echo.text}
           and provider_message_id is null
           and created_at > now() - make_interval(secs => ${ECHO_WINDOW_SECONDS})
         order by id limit 1)`,
    )
    .returning({ id: schema.channelDeliveries.id });
  return inFlight.length > 0;
}

export interface AppliedState {
  messageId: string;
  conversationId: string;
  state: DeliveryState;
}

/**
 * A delivery status from the channel (SPEC §6.2): moves the message forward along
 * sent → delivered → read and never back (`read` may come without `delivered`, statuses may
 * arrive out of order); `failed` counts only before the message was delivered.
 */
export async function applyDeliveryState(
  db: Db,
  update: {
    tenantId: string;
    channel: string;
    providerMessageId: string;
    state: DeliveryState;
    error?: { code?: number; message: string };
  },
): Promise<AppliedState | undefined> {
  const earlier =
    update.state === 'failed'
      ? ['sent']
      : DELIVERY_STATES.slice(0, DELIVERY_STATES.indexOf(update.state));
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ message_id: string; conversation_id: string }>(
      tx,
      sql`update messages m
             set status = ${update.state}, updated_at = now(),
                 error = coalesce(${update.error?.message ?? null}, m.error)
            from channel_deliveries d
           where d.tenant_id = ${update.tenantId} and d.channel = ${update.channel}
             and d.provider_message_id = ${update.providerMessageId}
             and m.id = d.message_id
             and (m.status not in ('sent', 'delivered', 'read', 'failed')${
               earlier.length > 0
                 ? sql` or m.status in (${sql.join(
                     earlier.map((state) => sql`${state}`),
                     sql`, `,
                   )})`
                 : sql``
             })
       returning m.id as message_id, m.conversation_id`,
    );
    if (!row) return undefined;
    await tx.insert(schema.messageEvents).values({
      tenantId: update.tenantId,
      messageId: row.message_id,
      state: update.state,
      detail: {
        provider_message_id: update.providerMessageId,
        ...(update.error ? { error: update.error.message, code: update.error.code } : {}),
      },
    });
    return { messageId: row.message_id, conversationId: row.conversation_id, state: update.state };
  });
}
