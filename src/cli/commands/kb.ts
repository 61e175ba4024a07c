/**
 * `omni kb ingest|query|list|bench`: the knowledge base from the shell (SPEC §7.5). Ingest shows
 * progress per file; an unchanged file is reported as such and costs nothing.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import {
  attachEmbedder,
  benchRetrieval,
  citationOf,
  crawlSite,
  createEmbedder,
  embedderOf,
  type IngestResult,
  ingestDocument,
  KnowledgeError,
  listDocuments,
  RANKERS,
  type RetrievalScores,
  type RetrievalSet,
  readSource,
  reindexEmbeddings,
  searchKnowledge,
  sourceFiles,
} from '../../knowledge/index.ts';
import { openDatabase } from '../../storage/index.ts';
import { createTenant, getTenant } from '../../tenancy/index.ts';
import { commandLogger, numberOption, printJson, printTable, say, withRuntime } from '../output.ts';

// FaQuAD's retrieval view ships with Omni (datasets/README.md: source and CC BY 4.0 licence).
const DEFAULT_DATASET = fileURLToPath(
  new URL('../../../datasets/faquad/faquad_retrieval.json', import.meta.url),
);

export function registerKnowledgeCommands(program: Command): void {
  const kb = program.command('kb').description('the knowledge base: ingest, query, benchmark');

  kb.command('ingest')
    .description(
      'ingest Markdown, text, JSON FAQ, HTML or PDF files (a file or a directory), or a website (--url)',
    )
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--source <path>', 'a file or a directory (read recursively)')
    .option('--url <url>', 'a web page and the same-site pages it links to (robots.txt respected)')
    .option('--sitemap', '--url is a sitemap: ingest the pages it lists')
    .option(
      '--max-pages <n>',
      'pages to ingest from a website',
      numberOption('--max-pages', { positive: true }),
      50,
    )
    .option('--json', 'print the results as JSON')
    .action(
      (options: {
        tenant: string;
        source?: string;
        url?: string;
        sitemap?: boolean;
        maxPages: number;
        json?: boolean;
      }) =>
        withRuntime(async ({ database }) => {
          if (Boolean(options.source) === Boolean(options.url)) {
            throw new KnowledgeError(
              'not_found',
              'Give either --source <path> or --url <url> (with --sitemap for a sitemap).',
            );
          }
          const tenant = await getTenant(database.db, options.tenant);
          const results: Array<{ source: string; status: string; chunks?: number }> = [];
          if (options.url) {
            await crawlSite(database.db, {
              tenantId: tenant.id,
              url: options.url,
              sitemap: options.sitemap,
              maxPages: options.maxPages,
              onPage: (page) => {
                results.push(page);
                say(
                  `[${results.length}] ${page.source}: ${page.status}${'chunks' in page ? `, ${page.chunks} passages` : ` (${page.reason})`}`,
                );
              },
            });
          } else {
            const files = await sourceFiles(options.source as string);
            for (const [index, file] of files.entries()) {
              const result: IngestResult = await ingestDocument(database.db, {
                tenantId: tenant.id,
                source: file.source,
                content: await readSource(file),
                format: file.format,
              });
              results.push(result);
              say(
                `[${index + 1}/${files.length}] ${file.source}: ${result.status}, ${result.chunks} passages`,
              );
            }
          }
          if (options.json) printJson(results);
          else {
            const count = (status: string) => results.filter((r) => r.status === status).length;
            say(
              `${results.length} ${options.url ? 'pages' : 'files'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged${options.url ? `, ${count('skipped')} skipped` : ''}.`,
            );
          }
        }),
    );

  kb.command('query <text>')
    .description('search the knowledge base: passages with scores and sources')
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--limit <n>', 'passages to show', numberOption('--limit', { positive: true }), 5)
    .option('--json', 'print JSON')
    .action((text: string, options: { tenant: string; limit: number; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenant = await getTenant(database.db, options.tenant);
        const passages = await searchKnowledge(database.db, {
          tenantId: tenant.id,
          query: text,
          limit: options.limit,
        });
        if (options.json) {
          printJson(passages);
          return;
        }
        printTable(
          passages.map((p) => ({
            score: p.score.toFixed(2),
            source: citationOf(p),
            passage: p.content.replace(/\s+/g, ' ').slice(0, 100),
          })),
          ['score', 'source', 'passage'],
        );
      }),
    );

  kb.command('reindex')
    .description(
      "embed the tenant's passages with EMBEDDING_MODEL: after a model change, or what an outage left out",
    )
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--json', 'print JSON')
    .action((options: { tenant: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenant = await getTenant(database.db, options.tenant);
        const embedder = embedderOf(database.db);
        if (!embedder) {
          throw new KnowledgeError(
            'embedding_unavailable',
            'Set EMBEDDING_MODEL (e.g. openai:text-embedding-3-small) to embed the knowledge base.',
          );
        }
        const result = await reindexEmbeddings(database.db, embedder, tenant.id);
        if (options.json) printJson({ model: embedder.model, ...result });
        else {
          say(
            `${embedder.model}: ${result.embedded} passages embedded, ${result.dropped} stale embeddings dropped.`,
          );
        }
      }),
    );

  kb.command('list')
    .description("list a tenant's documents")
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--json', 'print JSON')
    .action((options: { tenant: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenant = await getTenant(database.db, options.tenant);
        const documents = await listDocuments(database.db, tenant.id);
        if (options.json) printJson(documents);
        else printTable(documents, ['id', 'source', 'title', 'format', 'chunks', 'updatedAt']);
      }),
    );

  kb.command('bench')
    .description(
      'retrieval quality on a labelled set (FaQuAD by default) in a throw-away in-memory database: recall@1, recall@5, MRR',
    )
    .option('--dataset <path>', 'a retrieval JSON with corpus and queries', DEFAULT_DATASET)
    .option(
      '--questions <n>',
      'ask only the first n questions',
      numberOption('--questions', { positive: true }),
    )
    .option('--json', 'print the figures as JSON')
    .action(async (options: { dataset: string; questions?: number; json?: boolean }) => {
      const set = JSON.parse(await readFile(options.dataset, 'utf8')) as RetrievalSet;
      const config = loadConfig();
      const database = await openDatabase({ kind: 'pglite', logger: commandLogger(config) });
      try {
        await database.migrate();
        const embedder = createEmbedder(config);
        if (embedder) attachEmbedder(database.db, embedder);
        const tenant = await createTenant(database.db, { slug: 'bench' }, { type: 'cli' });
        say(`Ingesting ${set.corpus.length} documents…`);
        const scores = await benchRetrieval(database.db, tenant.id, set, {
          questions: options.questions,
          embedder,
          onProgress: (done, total) => {
            if (done % 100 === 0 || done === total) say(`  ${done}/${total} questions`);
          },
        });
        if (options.json) printJson(scores);
        else printRetrievalScores(scores);
      } finally {
        await database.close();
      }
    });
}

/** R@1, R@5 and MRR of the fusion and of each ranker alone. */
export function printRetrievalScores(scores: RetrievalScores): void {
  const row = (name: string, s: { recallAt1: number; recallAt5: number; mrr: number }) =>
    `${name.padEnd(8)} ${s.recallAt1.toFixed(3)}  ${s.recallAt5.toFixed(3)}  ${s.mrr.toFixed(3)}`;
  const lines = [
    `documents ${scores.documents}  questions ${scores.questions}  (${scores.meanQueryMs.toFixed(1)} ms per question)`,
    'ranker   R@1    R@5    MRR',
    ...RANKERS.flatMap((ranker) => {
      const figures = scores.rankers[ranker];
      return figures ? [row(ranker, figures)] : [];
    }),
    row('fusion', scores),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
