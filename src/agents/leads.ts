/**
 * Leads qualified by the sales agent (`create_or_update_lead`): one per contact, filled in as the
 * conversation goes, scored by how much of the qualification is known, staged by that score.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

export const LEAD_FIELDS = [
  'name',
  'email',
  'phone',
  'company',
  'need',
  'budget',
  'timing',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];
export type LeadFacts = Partial<Record<LeadField, string>>;

/** Points per known field, 100 in all: contactability and a real need weigh most. */
const WEIGHTS: Record<LeadField, number> = {
  name: 10,
  email: 20,
  phone: 15,
  company: 10,
  need: 20,
  budget: 15,
  timing: 10,
};

export type LeadStage = 'new' | 'engaged' | 'qualified';

export function scoreLead(facts: LeadFacts): { score: number; stage: LeadStage } {
  const score = LEAD_FIELDS.reduce((sum, field) => sum + (facts[field] ? WEIGHTS[field] : 0), 0);
  return { score, stage: score >= 70 ? 'qualified' : score >= 40 ? 'engaged' : 'new' };
}

export interface LeadResult {
  id: string;
  score: number;
  stage: LeadStage;
  /** Set when the lead was created or moved to another stage by this call. */
  enteredStage?: LeadStage;
}

export async function upsertLead(
  db: Db,
  input: { tenantId: string; contactId: string; conversationId: string; facts: LeadFacts },
): Promise<LeadResult> {
  const given = Object.fromEntries(
    LEAD_FIELDS.flatMap((field) => {
      const value = input.facts[field]?.trim();
      return value ? [[field, value]] : [];
    }),
  ) as LeadFacts;
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(schema.leads)
      .where(
        and(eq(schema.leads.tenantId, input.tenantId), eq(schema.leads.contactId, input.contactId)),
      )
      .for('update');
    const merged: LeadFacts = {};
    for (const field of LEAD_FIELDS) {
      const value = given[field] ?? existing?.[field] ?? undefined;
      if (value) merged[field] = value;
    }
    const { score, stage } = scoreLead(merged);
    if (existing) {
      await tx
        .update(schema.leads)
        .set({
          ...merged,
          score,
          stage,
          conversationId: input.conversationId,
          updatedAt: sql`now()`,
        })
        .where(eq(schema.leads.id, existing.id));
      return {
        id: existing.id,
        score,
        stage,
        enteredStage: existing.stage === stage ? undefined : stage,
      };
    }
    const [created] = await tx
      .insert(schema.leads)
      .values({
        tenantId: input.tenantId,
        contactId: input.contactId,
        conversationId: input.conversationId,
        ...merged,
        score,
        stage,
      })
      .returning({ id: schema.leads.id });
    return { id: (created as { id: string }).id, score, stage, enteredStage: stage };
  });
}
