/** The handoff as the API and the CLI show it (snake_case, ISO times). */
import type { Handoff } from './state.ts';

export function handoffView(row: Handoff) {
  return {
    id: row.id,
    conversation_id: row.conversationId,
    status: row.status,
    reason: row.reason,
    trigger: row.trigger,
    accepted_by: row.acceptedBy,
    accepted_at: row.acceptedAt?.toISOString() ?? null,
    resolved_at: row.resolvedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export type HandoffView = ReturnType<typeof handoffView>;
