/**
 * Runtime switches (queue pause per role, and later maintenance, fallback, integrations): one row
 * per switch in the database, so a change made by any process reaches every process.
 */
import { eq } from 'drizzle-orm';
import type { Db } from './database.ts';
import { switches } from './schema.ts';

export async function readSwitch<T>(db: Db, name: string, fallback: T): Promise<T> {
  const [row] = await db
    .select({ value: switches.value })
    .from(switches)
    .where(eq(switches.name, name));
  return row ? (row.value as T) : fallback;
}

export async function setSwitch(db: Db, name: string, value: unknown, by: string): Promise<void> {
  await db
    .insert(switches)
    .values({ name, value, updatedBy: by })
    .onConflictDoUpdate({
      target: switches.name,
      set: { value, updatedBy: by, updatedAt: new Date() },
    });
}
