/**
 * An outside call (a channel send, a Slack or Chatwoot post) made for a leased row, which must not
 * be made again by another worker while this one lives — however long this one is stalled.
 *
 * Two guards. The row's lease is renewed while the call is in flight, so a slow call never looks
 * abandoned. And on PostgreSQL the call runs holding a transaction-scoped advisory lock on the
 * row, in a transaction on a pooled connection: a stopped process (SIGSTOP, a long pause) keeps
 * its connection and therefore the lock, which the claims of other workers test with
 * `pg_try_advisory_xact_lock`; a process that dies loses the connection and the lock at once.
 * The lease is renewed once more before the lock goes, because a stall may have outlived the old
 * one and the outcome is recorded after the lock is released.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './database.ts';
import { StorageError } from './errors.ts';
import type { HoldLimit } from './hold-limit.ts';
import { queryRows } from './rows.ts';

export interface HeldRow {
  /** The advisory-lock namespace of this kind of row (a constant per table). */
  lockSpace: number;
  id: string;
  /** Present on PostgreSQL: the call is locked and counted against it. PGlite is one process. */
  limit?: HoldLimit;
  leaseMs: number;
  /**
   * An UPDATE that extends this attempt's lease, fenced by its attempt number (it changes no row
   * once another attempt has the row); from `clock_timestamp()`, not `now()`, since the last
   * renewal runs inside the lock's transaction, whose `now()` is when the call began.
   */
  renewLease: SQL;
  onRenewError(error: unknown): void;
}

/** The row was taken by another attempt while this one waited to hold it: nothing was called. */
export class RowTakenError extends StorageError {
  constructor(id: string) {
    super('row_taken', `Row ${id} was taken by another attempt before its call.`);
  }
}

/** The condition a claim adds so that a row someone holds is not taken (PostgreSQL only). */
export function notHeld(lockSpace: number, idColumn: SQL): SQL {
  return sql`pg_try_advisory_xact_lock(${lockSpace}, hashtext(${idColumn}::text))`;
}

export function whileHolding<T>(db: Db, row: HeldRow, call: () => Promise<T>): Promise<T> {
  const { limit } = row;
  if (!limit) return renewing(db, row, call);
  return limit.run(() => holdingLock(db, row, () => renewing(db, row, call)));
}

async function holdingLock<T>(db: Db, row: HeldRow, call: () => Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${row.lockSpace}, hashtext(${row.id}))`);
      // The wait for a slot may have outlived the claim's lease: still this attempt's row?
      const renewed = await queryRows(tx as unknown as Db, sql`${row.renewLease} returning 1`);
      if (renewed.length === 0) {
        outcome = { ok: false, error: new RowTakenError(row.id) };
        return;
      }
      try {
        outcome = { ok: true, value: await call() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await tx.execute(row.renewLease);
    })
    .catch((error) => {
      // Failing to take the lock means nothing was called; failing to let it go changes nothing.
      if (!outcome) throw error;
    });
  if (!outcome) throw new Error('The row lock was released without an outcome.');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function renewing<T>(db: Db, row: HeldRow, call: () => Promise<T>): Promise<T> {
  const renew = setInterval(() => {
    void db.execute(row.renewLease).catch(row.onRenewError);
  }, row.leaseMs / 3);
  try {
    return await call();
  } finally {
    clearInterval(renew);
  }
}
