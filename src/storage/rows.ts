import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './database.ts';

/** Rows of a raw statement, whichever driver (PGlite or node-postgres) is behind `db`. */
export async function queryRows<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

export { sql };
