/**
 * When a conversation goes to a human (SPEC §7.4, seed 002): the contact asked for one, the
 * router was unsure `max_interactions` turns in a row (below `min_confidence`), guardrails were hit
 * repeatedly, or every provider failed. Thresholds: the tenant's settings, else the configuration.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

export type EscalationReason =
  | 'human_request'
  | 'low_confidence'
  | 'repeated_guardrail'
  | 'providers_failed';

export interface EscalationThresholds {
  minConfidence: number;
  maxInteractions: number;
}

/** Guardrail blocks in a row (this turn included) that call a human: someone is probing. */
export const MAX_GUARDRAIL_HITS = 3;

/** Earlier finished turns of the conversation, newest first. */
async function previousTurns(db: Db, conversationId: string, turnId: string, count: number) {
  const rows = await db
    .select({
      id: schema.turns.id,
      confidence: schema.turns.confidence,
      flags: schema.turns.guardrailFlags,
    })
    .from(schema.turns)
    .where(
      and(
        eq(schema.turns.conversationId, conversationId),
        inArray(schema.turns.status, ['committed', 'discarded']),
      ),
    )
    .orderBy(desc(schema.turns.startedAt))
    .limit(count + 1);
  return rows.filter((row) => row.id !== turnId).slice(0, count);
}

/** This turn is unsure; were the `maxInteractions - 1` before it unsure too? */
export async function lowConfidenceStreak(
  db: Db,
  input: { conversationId: string; turnId: string; confidence: number | undefined },
  thresholds: EscalationThresholds,
): Promise<boolean> {
  if (input.confidence === undefined || input.confidence >= thresholds.minConfidence) return false;
  const needed = thresholds.maxInteractions - 1;
  if (needed <= 0) return true;
  const before = await previousTurns(db, input.conversationId, input.turnId, needed);
  return (
    before.length === needed &&
    before.every((t) => t.confidence !== null && t.confidence < thresholds.minConfidence)
  );
}

/** This turn was blocked; were the ones before it blocked too? */
export async function guardrailStreak(
  db: Db,
  input: { conversationId: string; turnId: string },
): Promise<boolean> {
  const needed = MAX_GUARDRAIL_HITS - 1;
  const before = await previousTurns(db, input.conversationId, input.turnId, needed);
  return (
    before.length === needed &&
    before.every((t) => t.flags.some((f) => f === 'injection' || f === 'input_length'))
  );
}
