/**
 * The response cache (seeds 001 and 004 operate it: `CACHE_TTL`, "cache hit rate", `cache:*` keys):
 * a first question answered from the knowledge base is answered again without any model call while
 * nothing it depended on changed.
 *
 * The key is the tenant, the normalised question and language, the knowledge-base version and the
 * prompt version, so ingesting a document or saving a prompt makes every earlier entry unreachable
 * (a miss, never a stale answer); entries expire after `CACHE_TTL` seconds.
 *
 * When the cache is bypassed, and why — the answer must depend on the question alone:
 * - not the first turn of the conversation (any earlier message): the model reads the history, so
 *   the same words can mean something else ("e o plano Pro?");
 * - more than one message in the turn, or a question that points at context or at the contact
 *   ("isso", "de novo", "meu pedido", "that", "my order"…): the answer is about them, not the FAQ;
 * - a question with personal data (PII): it is personal, and it must not be stored.
 * And a reply is stored only when it is the model's plain answer: no fallback, no handoff or
 * escalation, no tool other than `kb_search` (a lead update is a side effect a hit would skip), no
 * output guardrail, a confident route, and not naming the contact.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { VERSION } from '../observability/index.ts';
import type { TurnRequest } from '../pipeline/index.ts';
import { type Db, queryRows, schema } from '../storage/index.ts';
import type { AgentDefinition } from './catalog.ts';

export interface CachedReply {
  text: string;
  intent?: string;
  confidence?: number;
  agent?: string;
}

/** Where entries live: Redis (`cache:<tenant>:<key>`, scale profile) or the `response_cache` table. */
export interface ResponseCacheStore {
  kind: 'redis' | 'table';
  get(tenantId: string, key: string): Promise<CachedReply | undefined>;
  set(tenantId: string, key: string, reply: CachedReply, ttlSeconds: number): Promise<void>;
}

export interface ResponseCache {
  store: ResponseCacheStore;
  ttlSeconds: number;
}

export function redisCacheStore(redis: Redis): ResponseCacheStore {
  const name = (tenantId: string, key: string) => `cache:${tenantId}:${key}`;
  return {
    kind: 'redis',
    get: async (tenantId, key) => {
      const value = await redis.get(name(tenantId, key));
      return value ? (JSON.parse(value) as CachedReply) : undefined;
    },
    set: async (tenantId, key, reply, ttlSeconds) => {
      await redis.set(name(tenantId, key), JSON.stringify(reply), 'EX', ttlSeconds);
    },
  };
}

export function tableCacheStore(db: Db): ResponseCacheStore {
  const table = schema.responseCache;
  return {
    kind: 'table',
    get: async (tenantId, key) => {
      const [row] = await db
        .select({ reply: table.reply })
        .from(table)
        .where(
          and(eq(table.key, key), eq(table.tenantId, tenantId), gt(table.expiresAt, sql`now()`)),
        );
      return row?.reply as CachedReply | undefined;
    },
    set: async (tenantId, key, reply, ttlSeconds) => {
      const expiresAt = sql`now() + make_interval(secs => ${ttlSeconds})`;
      // Expired entries of the tenant go as new ones come: the table never outgrows what is live.
      await db
        .delete(table)
        .where(and(eq(table.tenantId, tenantId), lt(table.expiresAt, sql`now()`)));
      await db
        .insert(table)
        .values({ key, tenantId, reply: { ...reply }, expiresAt })
        .onConflictDoUpdate({ target: table.key, set: { reply: { ...reply }, expiresAt } });
    },
  };
}

/** Words that point at earlier context or at the contact (accents folded, whole words). */
const CONTEXT_WORDS =
  /\b(isso|disso|nisso|esse|essa|esses|essas|desse|dessa|nesse|nessa|aquele|aquela|aquilo|daquele|daquela|ele|ela|eles|elas|dele|dela|mesmo|mesma|anterior|antes|acima|tambem|de novo|novamente|como eu disse|ja falei|meu|minha|meus|minhas|it|that|this|these|those|them|above|before|again|earlier|previous|as i said|my|mine|also)\b/;

/** Lower case, accents and punctuation gone, spaces collapsed: "Qual o horário?" = "qual o horario". */
export function normaliseQuestion(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The normalised question when this turn may use the cache, else undefined (see the module comment). */
export function cacheableQuestion(request: TurnRequest, hasPii: boolean): string | undefined {
  if (hasPii || request.history.length > 0 || request.messages.length !== 1) return undefined;
  const question = normaliseQuestion(request.messages[0]?.text ?? '');
  if (question.length < 3 || question.length > 500 || CONTEXT_WORDS.test(question)) {
    return undefined;
  }
  return question;
}

/**
 * The entry's key. The knowledge-base version is a digest of the tenant's documents (ids and
 * content hashes: an ingest, change or deletion changes it); the prompt version covers the active
 * prompt versions, the tenant's agents and instructions, and Omni's version (built-in prompts).
 */
export async function responseCacheKey(
  db: Db,
  input: {
    tenantId: string;
    question: string;
    language: string;
    agents: AgentDefinition[];
    customInstructions?: string;
  },
): Promise<string> {
  const [versions] = await queryRows<{ kb: string; prompts: string | null }>(
    db,
    sql`select
          (select md5(coalesce(string_agg(id::text || content_hash, ',' order by id), ''))
             from kb_documents where tenant_id = ${input.tenantId}) as kb,
          (select string_agg(agent || ':' || version, ',' order by agent)
             from prompts where tenant_id = ${input.tenantId} and active) as prompts`,
  );
  return createHash('sha256')
    .update(
      JSON.stringify([
        input.question,
        input.language,
        versions?.kb,
        versions?.prompts,
        input.agents,
        input.customInstructions ?? null,
        VERSION,
      ]),
    )
    .digest('hex');
}
