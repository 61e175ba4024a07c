/**
 * Slack incoming webhook (channel-formats §5): one message per new handoff. Slack answers 200
 * `ok` on success and 429 with `Retry-After` when posting faster than about one per second; the
 * delivery row is retried after that wait, so each handoff is announced exactly once.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { handoffNotice } from './messages.ts';
import { postJson } from './outbound-http.ts';
import { type HandoffSummary, handoffSummaryText } from './summary.ts';

export async function notifySlack(
  db: Db,
  settings: { webhookUrl: string; timeoutMs: number },
  handoffId: string,
): Promise<void> {
  const [row] = await db
    .select({
      reason: schema.handoffs.reason,
      trigger: schema.handoffs.trigger,
      summary: schema.handoffs.summary,
      conversationId: schema.handoffs.conversationId,
      channel: schema.conversations.channel,
      contactName: schema.contacts.displayName,
      contactId: schema.contacts.externalId,
      tenant: schema.tenants.name,
      settings: schema.tenants.settings,
    })
    .from(schema.handoffs)
    .innerJoin(schema.conversations, eq(schema.conversations.id, schema.handoffs.conversationId))
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.handoffs.tenantId))
    .where(eq(schema.handoffs.id, handoffId));
  // The conversation was erased since: nothing left to announce.
  if (!row) return;
  const language = typeof row.settings.language === 'string' ? row.settings.language : '';
  const text = handoffNotice(language, {
    tenant: row.tenant,
    contact: row.contactName ? `${row.contactName} (${row.contactId})` : row.contactId,
    channel: row.channel,
    reason: row.reason,
    trigger: row.trigger,
    conversationId: row.conversationId,
  });
  // The operator reads what happened before opening the conversation.
  const summary = row.summary
    ? `\n\n${handoffSummaryText(language, row.summary as unknown as HandoffSummary)}`
    : '';
  const fullText = `${text}${summary}`;
  await postJson({
    service: 'Slack',
    url: settings.webhookUrl,
    body: {
      text: fullText,
      // Slack refuses a section longer than 3,000 characters; `text` keeps it all.
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: fullText.slice(0, 3000) } }],
    },
    timeoutMs: settings.timeoutMs,
  });
}
