import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';

export type Actor =
  | { type: 'cli' }
  | { type: 'system' }
  | { type: 'api_key'; id: string }
  | { type: 'user'; id: string };

export interface AuditEntry {
  tenantId: string | null;
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string;
}

/** Administrative actions leave a row in audit_logs (SPEC §9). */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(schema.auditLogs).values({
    tenantId: entry.tenantId,
    actorType: entry.actor.type,
    actorId: 'id' in entry.actor ? entry.actor.id : null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    details: entry.details ?? {},
    ip: entry.ip ?? null,
  });
}
