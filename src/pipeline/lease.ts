/**
 * The conversation lease (SPEC §4.3): one worker at a time per conversation. Taking it raises the
 * fencing token; every later write checks the token, so a worker whose lease ran out (paused,
 * partitioned, slow) can no longer commit anything.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { queryRows } from '../storage/index.ts';

export interface Lease {
  conversationId: string;
  owner: string;
  token: number;
}

const forMs = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;

export async function acquireLease(
  db: Db,
  conversationId: string,
  owner: string,
  ms: number,
): Promise<Lease | null> {
  const [row] = await queryRows<{ fencing_token: string | number }>(
    db,
    sql`update conversations
           set lease_owner = ${owner}, lease_expires_at = ${forMs(ms)}, fencing_token = fencing_token + 1
         where id = ${conversationId} and (lease_owner is null or lease_expires_at < now())
     returning fencing_token`,
  );
  return row ? { conversationId, owner, token: Number(row.fencing_token) } : null;
}

/** False when the lease was lost (expired and taken by another worker). */
export async function extendLease(db: Db, lease: Lease, ms: number): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update conversations set lease_expires_at = ${forMs(ms)}
         where id = ${lease.conversationId} and lease_owner = ${lease.owner} and fencing_token = ${lease.token}
     returning id`,
  );
  return rows.length > 0;
}

export async function releaseLease(db: Db, lease: Lease): Promise<void> {
  await db.execute(sql`
    update conversations set lease_owner = null, lease_expires_at = null
     where id = ${lease.conversationId} and fencing_token = ${lease.token}`);
}

/** Inside a commit: true when `lease` is still the conversation's current lease (row locked). */
export async function holdsLease(tx: Db, lease: Lease): Promise<boolean> {
  const [row] = await queryRows<{ fencing_token: string | number }>(
    tx,
    sql`select fencing_token from conversations where id = ${lease.conversationId} for update`,
  );
  return row !== undefined && Number(row.fencing_token) === lease.token;
}
