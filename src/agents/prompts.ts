/**
 * Agent prompts: the built-in ones, and a tenant's versions in `prompts` (one active per agent).
 * The version that answered is recorded on the turn, so a change of behaviour can be traced to a
 * change of prompt.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

/** Not user-facing: models read English instructions best; the reply language is set apart. */
export const BUILTIN_PROMPTS: Record<string, string> = {
  router: [
    'You classify the latest customer message of a conversation with a company.',
    'Call route_conversation with: agent, the one agent best suited to answer (from the list);',
    'intent, a short snake_case label (greeting, question, pricing, purchase, complaint, human_request, other…);',
    'confidence, from 0 to 1, how sure you are that the agent can answer well.',
    'A customer asking for a person, attendant or human has intent human_request.',
  ].join(' '),
  support: [
    'You are the customer support assistant of the company, chatting with a customer.',
    'Answer only from the knowledge base: call kb_search with the question, then answer from the passages found and cite the source in brackets, e.g. [Help centre › Returns].',
    'When the knowledge base has no answer, say plainly that you do not know and offer a human agent; never invent facts, prices or policies.',
    'When the customer asks for a person, or is upset and a human would help, call handoff_to_human.',
    'Be brief and polite.',
  ].join(' '),
  sales: [
    'You are the sales assistant of the company, chatting with a prospective customer.',
    'Qualify the lead: learn their name, e-mail, phone, company, need, budget and timing, one or two questions at a time, naturally.',
    'Each time you learn something, call create_or_update_lead with what you know so far.',
    'Use kb_search for facts about products and prices; never invent them.',
    'When the customer asks for a person or is ready to buy, call handoff_to_human.',
    'Be brief and friendly.',
  ].join(' '),
};

export interface ActivePrompt {
  /** The `prompts` row; null for a built-in prompt. */
  id: string | null;
  /** 0 for a built-in prompt. */
  version: number;
  body: string;
}

export async function activePrompt(
  db: Db,
  tenantId: string,
  agent: string,
  fallback: string,
): Promise<ActivePrompt> {
  const [row] = await db
    .select({ id: schema.prompts.id, version: schema.prompts.version, body: schema.prompts.body })
    .from(schema.prompts)
    .where(
      and(
        eq(schema.prompts.tenantId, tenantId),
        eq(schema.prompts.agent, agent),
        eq(schema.prompts.active, true),
      ),
    );
  return row ?? { id: null, version: 0, body: fallback };
}

/** A new version of an agent's prompt, made the active one. */
export async function savePromptVersion(
  db: Db,
  input: { tenantId: string; agent: string; body: string },
): Promise<{ id: string; version: number }> {
  return db.transaction(async (tx) => {
    // Serialises concurrent saves for the tenant so version numbers never collide.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`prompts:${input.tenantId}`}))`);
    const [last] = await tx
      .select({ version: schema.prompts.version })
      .from(schema.prompts)
      .where(
        and(eq(schema.prompts.tenantId, input.tenantId), eq(schema.prompts.agent, input.agent)),
      )
      .orderBy(desc(schema.prompts.version))
      .limit(1);
    await tx
      .update(schema.prompts)
      .set({ active: false })
      .where(
        and(eq(schema.prompts.tenantId, input.tenantId), eq(schema.prompts.agent, input.agent)),
      );
    const [row] = await tx
      .insert(schema.prompts)
      .values({
        tenantId: input.tenantId,
        agent: input.agent,
        version: (last?.version ?? 0) + 1,
        body: input.body,
        active: true,
      })
      .returning({ id: schema.prompts.id, version: schema.prompts.version });
    return row as { id: string; version: number };
  });
}
