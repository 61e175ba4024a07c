/**
 * The reads every tenant-owned table shares. A tenant named (an API caller) sees only its own
 * rows; none named (the CLI, an operator of the whole instance) sees every tenant's.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../storage/index.ts';

type TenantOwned = PgTable & { id: PgColumn; tenantId: PgColumn; createdAt: PgColumn };

const ofTenant = (table: TenantOwned, tenantId: string | undefined) =>
  tenantId ? eq(table.tenantId, tenantId) : undefined;

// drizzle cannot infer a select over a table given as a type parameter: the rows are cast to
// the table's own row type.

export async function tenantRowsOldestFirst<T extends TenantOwned>(
  db: Db,
  table: T,
  tenantId?: string,
): Promise<Array<T['$inferSelect']>> {
  const rows: unknown = await db
    .select()
    .from(table as PgTable)
    .where(ofTenant(table, tenantId))
    .orderBy(asc(table.createdAt));
  return rows as Array<T['$inferSelect']>;
}

export async function tenantRowById<T extends TenantOwned>(
  db: Db,
  table: T,
  id: string,
  tenantId?: string,
): Promise<T['$inferSelect'] | undefined> {
  const [row]: unknown[] = await db
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), ofTenant(table, tenantId)));
  return row as T['$inferSelect'] | undefined;
}
