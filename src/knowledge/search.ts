/**
 * Full-text retrieval with BM25 scoring, computed in SQL so it runs the same on PGlite and
 * PostgreSQL. Query and passages are folded (no accents, lower case) and stemmed by both the
 * Portuguese and English configurations; candidates are the passages sharing any stem (GIN index);
 * each stem weighs by its rarity in the tenant's knowledge base and its frequency in the passage,
 * normalised by the passage's length. On FaQuAD this beats TF-IDF cosine ranking (see
 * `omni kb bench`).
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';
import { foldForSearch } from './text.ts';

/** BM25's usual constants: term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;

export interface Passage {
  chunkId: string;
  documentId: string;
  source: string;
  title: string;
  heading: string | null;
  content: string;
  score: number;
}

export interface SearchInput {
  tenantId: string;
  query: string;
  limit?: number;
}

export async function searchKnowledge(db: Db, input: SearchInput): Promise<Passage[]> {
  const folded = foldForSearch(input.query);
  if (!/[\p{L}\p{N}]/u.test(folded)) return [];
  const limit = Math.min(Math.max(input.limit ?? 5, 1), 50);
  const rows = await queryRows<{
    chunk_id: string;
    document_id: string;
    source: string;
    title: string;
    heading: string | null;
    content: string;
    score: number;
  }>(
    db,
    sql`
    with query as (
      select to_tsvector('portuguese', ${folded}::text) || to_tsvector('english', ${folded}::text) as v
    ),
    terms as (select distinct unnest(tsvector_to_array(v)) as term from query),
    corpus as (
      select count(*)::float8 as n, greatest(avg(token_count), 1)::float8 as avgdl
        from kb_chunks where tenant_id = ${input.tenantId}
    ),
    candidates as (
      select c.id, c.tsv, c.token_count::float8 as dl from kb_chunks c, query
       where c.tenant_id = ${input.tenantId}
         and strip(query.v)::text <> ''
         and c.tsv @@ replace(strip(query.v)::text, ' ', ' | ')::tsquery
    ),
    postings as (
      select cand.id, p.lexeme, coalesce(array_length(p.positions, 1), 1)::float8 as tf, cand.dl
        from candidates cand, unnest(cand.tsv) p
       where p.lexeme in (select term from terms)
    ),
    frequency as (select lexeme, count(*)::float8 as df from postings group by lexeme),
    scored as (
      select p.id, sum(
               ln(1 + (corpus.n - f.df + 0.5) / (f.df + 0.5))
               * p.tf * (${K1}::float8 + 1)
               / (p.tf + ${K1}::float8 * (1 - ${B}::float8 + ${B}::float8 * p.dl / corpus.avgdl))
             ) as score
        from postings p join frequency f using (lexeme), corpus
       group by p.id
    )
    select c.id as chunk_id, c.document_id, d.source, d.title, c.heading, c.content, s.score
      from scored s
      join kb_chunks c on c.id = s.id
      join kb_documents d on d.id = c.document_id
     order by s.score desc, d.source, c.position
     limit ${limit}`,
  );
  return rows.map((row) => ({
    chunkId: row.chunk_id,
    documentId: row.document_id,
    source: row.source,
    title: row.title,
    heading: row.heading,
    content: row.content,
    score: Number(row.score),
  }));
}
