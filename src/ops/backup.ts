/**
 * Backup and restore (SPEC §2, seeds 001–004) for both profiles, as a logical export: every table
 * of the schema, read inside one repeatable-read transaction (a consistent snapshot while the
 * instance keeps running), written parents-first in foreign-key order, gzip-compressed. One line
 * per row, `<table>\t<row as PostgreSQL's own JSON>`; the JSON text is never re-parsed in Node, so
 * numerics, timestamps and arrays round-trip exactly through `json_populate_recordset`.
 * The same file restores into PGlite or PostgreSQL (pg_dump would tie a backup to PostgreSQL and
 * needs a matching client binary). Generated columns are rebuilt by the database, sequences reset.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';

export const BACKUP_FORMAT = 'omni-backup';
const BACKUP_VERSION = 1;
const PAGE = 1_000;
/** Tables the instance fills by itself on start; they do not make a database "in use". */
const SEEDED_TABLES = new Set(['ai_models']);

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

interface TableShape {
  name: string;
  /** Columns the database does not compute itself. */
  columns: string[];
  primaryKey: string[];
}

type Rows<T> = { rows: T[] };

async function query<T>(db: Db, statement: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(statement)) as unknown as Rows<T>).rows;
}

/** The schema's tables, parents before children. */
async function tablesInOrder(db: Db): Promise<TableShape[]> {
  const columns = await query<{ table_name: string; column_name: string }>(
    db,
    sql`select c.table_name, c.column_name from information_schema.columns c
          join information_schema.tables t
            on t.table_name = c.table_name and t.table_schema = c.table_schema
         where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
           and c.is_generated = 'NEVER'
         order by c.table_name, c.ordinal_position`,
  );
  const keys = await query<{ table_name: string; column_name: string }>(
    db,
    sql`select k.table_name, k.column_name from information_schema.table_constraints c
          join information_schema.key_column_usage k
            on k.constraint_name = c.constraint_name and k.table_schema = c.table_schema
         where c.table_schema = 'public' and c.constraint_type = 'PRIMARY KEY'
         order by k.table_name, k.ordinal_position`,
  );
  const references = await query<{ child: string; parent: string }>(
    db,
    sql`select distinct c.table_name as child, u.table_name as parent
          from information_schema.table_constraints c
          join information_schema.constraint_column_usage u
            on u.constraint_name = c.constraint_name and u.table_schema = c.table_schema
         where c.table_schema = 'public' and c.constraint_type = 'FOREIGN KEY'`,
  );
  const shapes = new Map<string, TableShape>();
  for (const { table_name, column_name } of columns) {
    const shape = shapes.get(table_name) ?? { name: table_name, columns: [], primaryKey: [] };
    shape.columns.push(column_name);
    shapes.set(table_name, shape);
  }
  for (const { table_name, column_name } of keys)
    shapes.get(table_name)?.primaryKey.push(column_name);

  const ordered: TableShape[] = [];
  const done = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return;
    path.add(name);
    for (const { child, parent } of references)
      if (child === name && parent !== name) visit(parent, path);
    done.add(name);
    const shape = shapes.get(name);
    if (shape) ordered.push(shape);
  };
  for (const name of [...shapes.keys()].sort()) visit(name, new Set());
  return ordered;
}

const list = (names: string[]) =>
  sql.join(
    names.map((name) => sql.identifier(name)),
    sql`, `,
  );

export interface BackupReport {
  file: string;
  tables: Record<string, number>;
}

/** Writes a consistent snapshot of every table to `file`; `progress` hears each table's count. */
export async function createBackup(
  db: Db,
  file: string,
  progress: (table: string, rows: number) => void = () => {},
): Promise<BackupReport> {
  const output = new PassThrough();
  const written = pipeline(output, createGzip(), createWriteStream(file, { mode: 0o600 }));
  const write = async (line: string) => {
    if (!output.write(`${line}\n`)) await once(output, 'drain');
  };
  const tables: Record<string, number> = {};
  try {
    await db.transaction(
      async (tx) => {
        const shapes = await tablesInOrder(tx);
        await write(
          JSON.stringify({
            format: BACKUP_FORMAT,
            version: BACKUP_VERSION,
            created_at: new Date().toISOString(),
            tables: shapes.map((shape) => shape.name),
          }),
        );
        for (const shape of shapes) {
          const order = shape.primaryKey.length > 0 ? shape.primaryKey : shape.columns;
          let count = 0;
          for (let offset = 0; ; offset += PAGE) {
            const page = await query<{ row: string }>(
              tx,
              sql`select row_to_json(x)::text as row from (
                    select ${list(shape.columns)} from ${sql.identifier(shape.name)}
                    order by ${list(order)} limit ${PAGE} offset ${offset}) x`,
            );
            for (const { row } of page) await write(`${shape.name}\t${row}`);
            count += page.length;
            if (page.length < PAGE) break;
          }
          tables[shape.name] = count;
          progress(shape.name, count);
        }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    output.end();
    await written;
  } catch (error) {
    output.destroy(error as Error);
    await written.catch(() => {});
    throw error;
  }
  return { file, tables };
}

/** Rows in tables an instance does not fill by itself: a database someone is using. */
async function rowsInUse(db: Db, shapes: TableShape[]): Promise<string[]> {
  const used: string[] = [];
  for (const shape of shapes) {
    if (SEEDED_TABLES.has(shape.name)) continue;
    const [row] = await query<{ any: boolean }>(
      db,
      sql`select exists (select 1 from ${sql.identifier(shape.name)}) as any`,
    );
    if (row?.any) used.push(shape.name);
  }
  return used;
}

/**
 * Restores `file` into `db` in one transaction (all or nothing). Refuses a database that holds
 * data unless `force`, in which case that data is replaced.
 */
export async function restoreBackup(
  db: Db,
  file: string,
  options: { force?: boolean; progress?: (table: string, rows: number) => void } = {},
): Promise<Record<string, number>> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next().catch((error: Error) => {
    throw new BackupError(`${file} is not an Omni backup (${error.message}).`);
  });
  const header = parseHeader(file, first.done ? undefined : first.value);
  const restored: Record<string, number> = {};
  await db.transaction(async (tx) => {
    const shapes = await tablesInOrder(tx);
    const byName = new Map(shapes.map((shape) => [shape.name, shape]));
    const missing = header.tables.filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw new BackupError(
        `The backup has tables this database lacks (${missing.join(', ')}): upgrade Omni before restoring.`,
      );
    }
    const used = await rowsInUse(tx, shapes);
    if (used.length > 0 && !options.force) {
      throw new BackupError(
        `The database already holds data (${used.join(', ')}); restore with --force to replace it.`,
      );
    }
    await tx.execute(
      sql`truncate ${list(shapes.map((shape) => shape.name))} restart identity cascade`,
    );

    let table: string | undefined;
    let batch: string[] = [];
    const flush = async () => {
      const shape = table ? byName.get(table) : undefined;
      if (!shape || batch.length === 0) return;
      await tx.execute(
        sql`insert into ${sql.identifier(shape.name)} (${list(shape.columns)})
            select ${list(shape.columns)} from json_populate_recordset(null::${sql.identifier(shape.name)}, ${`[${batch.join(',')}]`}::json)`,
      );
      restored[shape.name] = (restored[shape.name] ?? 0) + batch.length;
      batch = [];
    };
    for await (const line of { [Symbol.asyncIterator]: () => iterator }) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      const name = line.slice(0, tab);
      if (tab < 0 || !byName.has(name)) throw new BackupError(`${file} has a damaged line.`);
      if (name !== table || batch.length >= PAGE) {
        await flush();
        if (name !== table && table) options.progress?.(table, restored[table] ?? 0);
        table = name;
      }
      batch.push(line.slice(tab + 1));
    }
    await flush();
    if (table) options.progress?.(table, restored[table] ?? 0);
    await resetSequences(tx);
  });
  return restored;
}

function parseHeader(file: string, line: string | undefined): { tables: string[] } {
  try {
    const header = JSON.parse(line ?? '');
    if (header.format === BACKUP_FORMAT && header.version === BACKUP_VERSION) return header;
  } catch {
    // Reported below in the operator's words.
  }
  throw new BackupError(`${file} is not an Omni backup (made by omni backup).`);
}

/** bigserial ids continue after the restored rows. */
async function resetSequences(db: Db): Promise<void> {
  const serials = await query<{ table_name: string; column_name: string }>(
    db,
    sql`select table_name, column_name from information_schema.columns
         where table_schema = 'public' and column_default like 'nextval(%'`,
  );
  for (const { table_name, column_name } of serials) {
    const table = sql.identifier(table_name);
    const column = sql.identifier(column_name);
    await db.execute(
      sql`select setval(pg_get_serial_sequence(${table_name}, ${column_name}),
                        coalesce((select max(${column}) from ${table}), 0) + 1, false)`,
    );
  }
}
