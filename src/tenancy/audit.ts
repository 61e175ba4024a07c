import { and, desc, eq, like, lt } from 'drizzle-orm';
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

export interface AuditRecord {
  id: number;
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  created_at: string;
}

/** A tenant's audit trail, newest first; `before` pages by id. */
export async function listAudit(
  db: Db,
  query: { tenantId: string; limit: number; before?: number; action?: string },
): Promise<AuditRecord[]> {
  const { auditLogs } = schema;
  const rows = await db
    .select()
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.tenantId, query.tenantId),
        query.before ? lt(auditLogs.id, query.before) : undefined,
        query.action
          ? like(auditLogs.action, `${query.action.replace(/[%_\\]/g, '')}%`)
          : undefined,
      ),
    )
    .orderBy(desc(auditLogs.id))
    .limit(query.limit);
  return rows.map((row) => ({
    id: row.id,
    tenant_id: row.tenantId,
    actor_type: row.actorType,
    actor_id: row.actorId,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    details: row.details,
    ip: row.ip,
    created_at: row.createdAt.toISOString(),
  }));
}
