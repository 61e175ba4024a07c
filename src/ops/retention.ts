/**
 * Retention (SPEC §9, seeds 001–004): rows older than RETENTION_DAYS go — messages, turns and
 * their LLM attempts, message events, dead letters, conversations quiet for that long (with
 * everything they own), contacts left with no conversation, ended sessions — and sent outbox rows
 * after RETENTION_SENT_OUTBOX_DAYS. The audit log stays: it is the evidence of who did what.
 * A dry run deletes inside a transaction that is rolled back, so its counts are exactly what a
 * real run would remove at that moment.
 */
import { type SQL, sql } from 'drizzle-orm';
import { deleteUnreferencedMedia, type MediaStore, mediaKeysBefore } from '../media/index.ts';
import type { Db } from '../storage/index.ts';

export interface RetentionPolicy {
  days: number;
  sentOutboxDays: number;
  /** The clock (tests fix it). */
  now?: Date;
  dryRun?: boolean;
  /** Where the media files of the removed messages are deleted (counted as `media_files`). */
  media?: MediaStore;
}

/** Rows removed per table (directly; rows removed by cascade are not counted twice). */
export type RetentionReport = Record<string, number>;

/** Thrown to roll a dry run back. */
class DryRun extends Error {
  readonly report: RetentionReport;
  constructor(report: RetentionReport) {
    super('dry run');
    this.report = report;
  }
}

const DAY_MS = 86_400_000;

function steps(cutoff: Date, sentCutoff: Date): Array<[string, SQL]> {
  const before = cutoff.toISOString();
  return [
    [
      'outbox',
      sql`delete from outbox where status = 'enviada' and coalesce(enviada_em, updated_at) < ${sentCutoff.toISOString()}`,
    ],
    ['message_events', sql`delete from message_events where created_at < ${before}`],
    ['llm_attempts', sql`delete from llm_attempts where created_at < ${before}`],
    ['turns', sql`delete from turns where started_at < ${before}`],
    ['messages', sql`delete from messages where created_at < ${before}`],
    [
      'conversations',
      sql`delete from conversations where coalesce(last_message_at, created_at) < ${before}`,
    ],
    [
      'contacts',
      sql`delete from contacts c where c.updated_at < ${before}
            and not exists (select 1 from conversations v where v.contact_id = c.id)`,
    ],
    ['dead_letters', sql`delete from dead_letters where created_at < ${before}`],
    ['sessions', sql`delete from sessions where coalesce(revoked_at, expires_at) < ${before}`],
  ];
}

export async function applyRetention(db: Db, policy: RetentionPolicy): Promise<RetentionReport> {
  const now = policy.now ?? new Date();
  const cutoff = new Date(now.getTime() - policy.days * DAY_MS);
  const sentCutoff = new Date(now.getTime() - policy.sentOutboxDays * DAY_MS);
  const files = policy.media ? await mediaKeysBefore(db, cutoff) : [];
  try {
    const report = await db.transaction(async (tx) => {
      const report: RetentionReport = {};
      for (const [table, statement] of steps(cutoff, sentCutoff)) {
        const result = (await tx.execute(sql`${statement} returning 1`)) as unknown as {
          rows: unknown[];
        };
        report[table] = result.rows.length;
      }
      if (policy.dryRun) {
        throw new DryRun(policy.media ? { ...report, media_files: files.length } : report);
      }
      return report;
    });
    if (policy.media) report.media_files = await deleteUnreferencedMedia(db, policy.media, files);
    return report;
  } catch (error) {
    if (error instanceof DryRun) return error.report;
    throw error;
  }
}

/** How often workers apply retention; deleting what is already gone costs one indexed query. */
export const RETENTION_INTERVAL_MS = 6 * 3_600_000;

/**
 * Runs retention in the background of a worker process: once shortly after start, then every
 * RETENTION_INTERVAL_MS. Several processes may run it; the deletes are idempotent.
 */
export function scheduleRetention(
  db: Db,
  policy: Omit<RetentionPolicy, 'now' | 'dryRun'>,
  log: { info(object: object, message: string): void; warn(object: object, message: string): void },
): { stop(): void } {
  const run = async () => {
    try {
      const report = await applyRetention(db, policy);
      const removed = Object.values(report).reduce((sum, n) => sum + n, 0);
      if (removed > 0) log.info({ removed: report, days: policy.days }, 'retention cleanup');
    } catch (error) {
      log.warn({ err: error }, 'retention cleanup failed; it runs again later');
    }
  };
  const first = setTimeout(run, 60_000);
  const every = setInterval(run, RETENTION_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    stop: () => {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
