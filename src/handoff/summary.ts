/**
 * The handoff summary (SPEC §7.1): what an operator reads before answering — why the conversation
 * was handed over, what the contact wants (their latest messages), what the bot already answered,
 * the lead's fields and, for a long conversation, its rolling summary. Built from the rows when
 * the handoff is requested (no model call: it must exist even when every provider is down), stored
 * on the handoff, shown in the dashboard and sent to Slack and Chatwoot.
 */
import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

export interface HandoffSummary {
  reason: string;
  /** The contact's latest messages, oldest first, shortened. */
  wants: string[];
  /** The bot's latest replies, oldest first, shortened. */
  answered: string[];
  /** The lead's known fields (name, e-mail, company, need, budget, timing…). */
  lead: Record<string, string>;
  /** The rolling summary of what came before, when the conversation has one. */
  earlier?: string;
}

const RECENT = 3;
const QUOTE_CHARS = 280;

const LEAD_COLUMNS = {
  name: schema.leads.name,
  email: schema.leads.email,
  phone: schema.leads.phone,
  company: schema.leads.company,
  need: schema.leads.need,
  budget: schema.leads.budget,
  timing: schema.leads.timing,
} as const;

export async function buildHandoffSummary(
  db: Db,
  conversationId: string,
  reason: string,
): Promise<HandoffSummary> {
  const recent = (author: 'contact' | 'bot') =>
    db
      .select({ body: schema.messages.body })
      .from(schema.messages)
      .where(
        and(eq(schema.messages.conversationId, conversationId), eq(schema.messages.author, author)),
      )
      .orderBy(desc(schema.messages.createdAt))
      .limit(RECENT);
  const [contact, bot, [conversation], [lead]] = await Promise.all([
    recent('contact'),
    recent('bot'),
    db
      .select({ summary: schema.conversations.summary, contactId: schema.conversations.contactId })
      .from(schema.conversations)
      .where(eq(schema.conversations.id, conversationId)),
    db
      .select(LEAD_COLUMNS)
      .from(schema.leads)
      .innerJoin(schema.conversations, eq(schema.conversations.contactId, schema.leads.contactId))
      .where(and(eq(schema.conversations.id, conversationId), isNotNull(schema.leads.contactId)))
      .limit(1),
  ]);
  const quotes = (rows: Array<{ body: string }>) =>
    rows
      .map((r) => shorten(r.body))
      .filter(Boolean)
      .reverse();
  return {
    reason,
    wants: quotes(contact),
    answered: quotes(bot),
    lead: Object.fromEntries(
      Object.entries(lead ?? {}).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
      ),
    ),
    ...(conversation?.summary ? { earlier: conversation.summary } : {}),
  };
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS - 1)}…` : flat;
}

const LABELS = {
  'pt-BR': {
    title: 'Resumo para o atendente',
    reason: 'Motivo',
    wants: 'O que o contato quer',
    answered: 'O que o bot já respondeu',
    lead: 'Dados do lead',
    earlier: 'Antes disso',
    nothing: '(nada)',
  },
  en: {
    title: 'Summary for the agent',
    reason: 'Reason',
    wants: 'What the contact wants',
    answered: 'What the bot already answered',
    lead: 'Lead fields',
    earlier: 'Before that',
    nothing: '(nothing)',
  },
} as const;

/** The summary as plain text (Slack, a Chatwoot private note), in the tenant's language. */
export function handoffSummaryText(language: string, summary: HandoffSummary): string {
  const l = language.toLowerCase().startsWith('en') ? LABELS.en : LABELS['pt-BR'];
  const list = (items: string[]) =>
    items.length === 0 ? `  ${l.nothing}` : items.map((i) => `  • ${i}`).join('\n');
  const lead = Object.entries(summary.lead).map(([field, value]) => `${field}: ${value}`);
  return [
    `${l.title}`,
    `${l.reason}: ${summary.reason}`,
    `${l.wants}:\n${list(summary.wants)}`,
    `${l.answered}:\n${list(summary.answered)}`,
    ...(lead.length > 0 ? [`${l.lead}: ${lead.join('; ')}`] : []),
    ...(summary.earlier ? [`${l.earlier}: ${summary.earlier}`] : []),
  ].join('\n');
}

/** The summary of the conversation's latest handoff episode, for the dashboard. */
export async function latestHandoffSummary(
  db: Db,
  conversationId: string,
): Promise<(HandoffSummary & { handoff_id: string; created_at: string }) | null> {
  const [row] = await db
    .select({
      id: schema.handoffs.id,
      summary: schema.handoffs.summary,
      createdAt: schema.handoffs.createdAt,
    })
    .from(schema.handoffs)
    .where(
      and(eq(schema.handoffs.conversationId, conversationId), isNotNull(schema.handoffs.summary)),
    )
    .orderBy(desc(schema.handoffs.createdAt))
    .limit(1);
  if (!row?.summary) return null;
  return {
    ...(row.summary as unknown as HandoffSummary),
    handoff_id: row.id,
    created_at: row.createdAt.toISOString(),
  };
}
