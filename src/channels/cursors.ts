import { eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';

/** Where a polling channel left off; undefined before its first batch. */
export async function readCursor(db: Db, name: string): Promise<number | undefined> {
  const [row] = await db
    .select({ position: schema.channelCursors.position })
    .from(schema.channelCursors)
    .where(eq(schema.channelCursors.name, name));
  return row?.position;
}

export async function saveCursor(db: Db, name: string, position: number): Promise<void> {
  await db
    .insert(schema.channelCursors)
    .values({ name, position })
    .onConflictDoUpdate({
      target: schema.channelCursors.name,
      set: { position, updatedAt: sql`now()` },
    });
}
