import { sql } from 'drizzle-orm';
import type { Db } from '../../src/storage/index.ts';

/** Rows of a raw SQL query, whichever driver is behind `db`. */
export async function rows<T = Record<string, unknown>>(db: Db, query: string): Promise<T[]> {
  const result = (await db.execute(sql.raw(query))) as unknown as { rows: T[] };
  return result.rows;
}
