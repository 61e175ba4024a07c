/**
 * The breach procedure of seed 004 §8.4 in one step: revoke every API key, end every dashboard
 * session, switch integrations off, and leave an audit record saying so. Nothing is deleted (the
 * evidence stays); new keys are issued deliberately afterwards.
 */
import { isNull } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { endAllSessions } from './sessions.ts';
import { setInstanceSwitch } from './switches.ts';

export interface LockdownReport {
  keysRevoked: number;
  sessionsEnded: number;
  /** Slugs of the tenants that lost keys: each needs a new one. */
  tenants: string[];
}

export async function lockdown(db: Db, actor: Actor, ip?: string): Promise<LockdownReport> {
  const report = await db.transaction(async (tx) => {
    const revoked = await tx
      .update(schema.apiKeys)
      .set({ revokedAt: new Date() })
      .where(isNull(schema.apiKeys.revokedAt))
      .returning({ tenantId: schema.apiKeys.tenantId });
    const sessionsEnded = await endAllSessions(tx);
    const tenantIds = new Set(revoked.map((row) => row.tenantId));
    const tenants = (await tx.select().from(schema.tenants))
      .filter((tenant) => tenantIds.has(tenant.id))
      .map((tenant) => tenant.slug)
      .sort();
    return { keysRevoked: revoked.length, sessionsEnded, tenants };
  });
  await setInstanceSwitch(db, 'integrations', false, actor, ip);
  await recordAudit(db, {
    tenantId: null,
    actor,
    action: 'security.lockdown',
    details: { ...report },
    ip,
  });
  return report;
}
