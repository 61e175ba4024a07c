/**
 * The Postgres queue backend: rows of `queue_entries`, claimed with `FOR UPDATE SKIP LOCKED` and a
 * lease (owner + expiry), so a crashed worker's entries become claimable once the lease runs out.
 * Every state change is one statement with an ownership check (house style rule 8).
 */
import { sql } from 'drizzle-orm';
import type { Database, Db } from '../storage/index.ts';
import { queryRows } from '../storage/index.ts';
import {
  type EnqueueOptions,
  type PendingEntry,
  type Queue,
  type QueueEntry,
  ROLE_OF,
  STREAMS,
  type Stream,
  type StreamStats,
} from './types.ts';
import { createWakeup } from './wakeup.ts';

interface EntryRow {
  id: string | number;
  queue: Stream;
  payload: Record<string, unknown>;
  attempts: number;
  errors: string[];
  dedupe_key: string | null;
}

const toEntry = (row: EntryRow): QueueEntry => ({
  id: String(row.id),
  stream: row.queue,
  payload: row.payload,
  attempts: row.attempts,
  errors: row.errors,
});

/** NOTIFY channel of enqueues; the payload is the stream name. */
export const QUEUE_CHANNEL = 'omni_queue';

export function createPostgresQueue(
  db: Db,
  options: { claimIdleMs: number; listen?: Database['listen'] },
): Queue {
  const wakeup = createWakeup();
  // Other processes' enqueues wake this one through LISTEN/NOTIFY; polling remains the fallback.
  const stopListening = options.listen?.(QUEUE_CHANNEL, (stream) => {
    if ((STREAMS as readonly string[]).includes(stream)) wakeup.notify(stream as Stream);
  });
  const idle = sql`make_interval(secs => ${options.claimIdleMs / 1000})`;
  const after = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;

  return {
    kind: 'postgres',

    async enqueue(stream: Stream, payload: Record<string, unknown>, enqueue: EnqueueOptions = {}) {
      await db.execute(sql`
        insert into queue_entries (queue, payload, dedupe_key, available_at)
        values (${stream}, ${JSON.stringify(payload)}::jsonb, ${enqueue.key ?? null}, ${after(enqueue.delayMs ?? 0)})
        on conflict (queue, dedupe_key) where dedupe_key is not null and lease_owner is null
        do update set available_at = least(queue_entries.available_at, excluded.available_at)`);
      await db.execute(sql`select pg_notify(${QUEUE_CHANNEL}, ${stream})`);
      wakeup.notify(stream);
    },

    async claim(stream: Stream, consumer: string, count: number) {
      const rows = await queryRows<EntryRow>(
        db,
        sql`
        update queue_entries set lease_owner = ${consumer}, lease_expires_at = now() + ${idle},
               attempts = attempts + 1
         where id in (
           select id from queue_entries
            where queue = ${stream}
              and ((lease_owner is null and available_at <= now())
                or (lease_owner is not null and lease_expires_at < now()))
            order by available_at, id
            limit ${count}
            for update skip locked)
        returning id, queue, payload, attempts, errors, dedupe_key`,
      );
      return rows.map(toEntry).sort((a, b) => Number(a.id) - Number(b.id));
    },

    async extend(entry: QueueEntry, consumer: string) {
      await db.execute(sql`
        update queue_entries set lease_expires_at = now() + ${idle}
         where id = ${Number(entry.id)} and lease_owner = ${consumer}`);
    },

    async ack(entry: QueueEntry, consumer: string) {
      await db.execute(
        sql`delete from queue_entries where id = ${Number(entry.id)} and lease_owner = ${consumer}`,
      );
    },

    async release(entry: QueueEntry, consumer: string, delayMs: number, error?: string) {
      const errors = JSON.stringify(error === undefined ? [] : [error]);
      // Back to waiting unless a waiting twin (same dedupe key) exists: then the twin covers it.
      await db.transaction(async (tx) => {
        const [row] = await queryRows<{ dedupe_key: string | null }>(
          tx,
          sql`select dedupe_key from queue_entries where id = ${Number(entry.id)} and lease_owner = ${consumer} for update`,
        );
        if (!row) return;
        const twin = row.dedupe_key
          ? await queryRows<{ id: number }>(
              tx,
              sql`update queue_entries set available_at = least(available_at, ${after(delayMs)})
                   where queue = ${entry.stream} and dedupe_key = ${row.dedupe_key} and lease_owner is null
                   returning id`,
            )
          : [];
        if (twin.length > 0) {
          await tx.execute(sql`delete from queue_entries where id = ${Number(entry.id)}`);
        } else {
          await tx.execute(sql`
            update queue_entries set lease_owner = null, lease_expires_at = null,
                   available_at = ${after(delayMs)}, errors = errors || ${errors}::jsonb
             where id = ${Number(entry.id)}`);
        }
      });
      if (delayMs === 0) wakeup.notify(entry.stream);
    },

    waitForWork: (stream, timeoutMs, signal) => wakeup.wait(stream, timeoutMs, signal),

    async stats() {
      const rows = await queryRows<{
        queue: Stream;
        waiting: number;
        pending: number;
        delayed: number;
      }>(
        db,
        sql`select queue,
                   count(*) filter (where lease_owner is null)::int as waiting,
                   count(*) filter (where lease_owner is not null)::int as pending,
                   count(*) filter (where lease_owner is null and available_at > now())::int as delayed
              from queue_entries group by queue`,
      );
      return STREAMS.map((stream): StreamStats => {
        const row = rows.find((r) => r.queue === stream);
        return {
          stream,
          group: ROLE_OF[stream],
          waiting: row?.waiting ?? 0,
          pending: row?.pending ?? 0,
          delayed: row?.delayed ?? 0,
        };
      });
    },

    async pending(stream: Stream) {
      const rows = await queryRows<{
        id: number;
        lease_owner: string;
        idle_ms: number;
        attempts: number;
      }>(
        db,
        sql`select id, lease_owner, attempts,
                   greatest(0, ${options.claimIdleMs} - extract(epoch from (lease_expires_at - now())) * 1000)::int as idle_ms
              from queue_entries where queue = ${stream} and lease_owner is not null order by id`,
      );
      return rows.map(
        (r): PendingEntry => ({
          id: String(r.id),
          consumer: r.lease_owner,
          idleMs: r.idle_ms,
          attempts: r.attempts,
        }),
      );
    },

    async reclaim(stream: Stream, idleMs: number) {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`update queue_entries set lease_expires_at = now() - interval '1 millisecond'
             where queue = ${stream} and lease_owner is not null
               and lease_expires_at - ${idle} <= now() - make_interval(secs => ${idleMs / 1000})
           returning id`,
      );
      if (rows.length > 0) wakeup.notify(stream);
      return rows.length;
    },

    async close() {
      await (await stopListening)?.();
    },
  };
}
