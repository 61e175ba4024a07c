/** Handoff episodes of a tenant, newest first (the operators' queue and its history). */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import type { Handoff } from './state.ts';

export type HandoffStatus = (typeof schema.HANDOFF_STATUSES)[number];

export function listHandoffs(
  db: Db,
  filter: { tenantId: string; status?: HandoffStatus; limit: number },
): Promise<Handoff[]> {
  return db
    .select()
    .from(schema.handoffs)
    .where(
      and(
        eq(schema.handoffs.tenantId, filter.tenantId),
        filter.status ? eq(schema.handoffs.status, filter.status) : undefined,
      ),
    )
    .orderBy(desc(schema.handoffs.createdAt))
    .limit(filter.limit);
}
