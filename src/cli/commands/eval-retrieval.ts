/**
 * `omni eval retrieval`: the built-in retrieval evaluations in a throw-away in-memory database —
 * the pt-BR FAQ sets (top-1, and the offline responder's answer and wrong-quote rates: the tuning
 * set datasets/faq_ptbr_tuning, and the held-out set datasets/faq_ptbr that no tuning looked at,
 * so the gap between them shows over-fitting) and FaQuAD (datasets/faquad: R@1, R@5, MRR per ranker and fused). Embeddings are used
 * when EMBEDDING_MODEL is set.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { answerOffline } from '../../gateway/index.ts';
import {
  attachEmbedder,
  benchRetrieval,
  createEmbedder,
  evalFaqSet,
  type FaqEvalResult,
  knowledgeLookup,
  type RetrievalScores,
  type RetrievalSet,
} from '../../knowledge/index.ts';
import { openDatabase } from '../../storage/index.ts';
import { createTenant } from '../../tenancy/index.ts';
import { commandLogger, printJson, say } from '../output.ts';
import { printRetrievalScores } from './kb.ts';

/** The pt-BR FAQ sets, tuning first: the held-out figures are the ones to read. */
const FAQ_SETS = {
  faqTuning: {
    label: 'pt-BR FAQ tuning set (tuned on)',
    folder: fileURLToPath(new URL('../../../datasets/faq_ptbr_tuning', import.meta.url)),
  },
  faq: {
    label: 'pt-BR FAQ held-out set (never tuned on)',
    folder: fileURLToPath(new URL('../../../datasets/faq_ptbr', import.meta.url)),
  },
} as const;
const FAQUAD = fileURLToPath(
  new URL('../../../datasets/faquad/faquad_retrieval.json', import.meta.url),
);

export function registerRetrievalEval(program: Command): void {
  const evalCommand =
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('evaluate the bot before customers do');
  evalCommand
    .command('retrieval')
    .description(
      'knowledge retrieval on the built-in sets: the pt-BR FAQ sets, tuning and held-out (top-1, offline responder), and FaQuAD (R@1, R@5, MRR per ranker)',
    )
    .option('--set <set>', 'faq (both pt-BR FAQ sets), faquad or all', 'all')
    .option('--json', 'print the figures as JSON')
    .action(async (options: { set: string; json?: boolean }) => {
      const config = loadConfig();
      const logger = commandLogger(config);
      const database = await openDatabase({ kind: 'pglite', logger });
      try {
        await database.migrate();
        const embedder = createEmbedder(config);
        if (embedder) attachEmbedder(database.db, embedder);
        const results: {
          faqTuning?: FaqEvalResult;
          faq?: FaqEvalResult;
          faquad?: RetrievalScores;
        } = {};
        if (options.set === 'faq' || options.set === 'all') {
          const lookup = knowledgeLookup(database.db);
          for (const [key, { folder }] of Object.entries(FAQ_SETS)) {
            results[key as keyof typeof FAQ_SETS] = await evalFaqSet(database.db, folder, {
              tenantFor: async (business) =>
                (await createTenant(database.db, { slug: `${key}-${business}` }, { type: 'cli' }))
                  .id,
              respond: async ({ tenantId, question }) =>
                answerOffline({ text: question, language: 'pt-BR', tenantId, knowledge: lookup }),
            });
          }
        }
        if (options.set === 'faquad' || options.set === 'all') {
          const set = JSON.parse(await readFile(FAQUAD, 'utf8')) as RetrievalSet;
          const tenant = await createTenant(database.db, { slug: 'faquad' }, { type: 'cli' });
          say(
            `FaQuAD: ingesting ${set.corpus.length} documents, asking ${set.queries.length} questions…`,
          );
          results.faquad = await benchRetrieval(database.db, tenant.id, set);
        }
        if (options.json) {
          printJson(results);
          return;
        }
        for (const [key, { label }] of Object.entries(FAQ_SETS)) {
          const result = results[key as keyof typeof FAQ_SETS];
          if (result) printFaq(label, result);
        }
        if (results.faquad) {
          process.stdout.write('\nFaQuAD\n');
          printRetrievalScores(results.faquad);
        }
      } finally {
        await database.close();
      }
    });
}

function printFaq(label: string, result: FaqEvalResult): void {
  const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `\n${label}: ${result.questions} questions (${result.answerable} answerable) over ${result.businesses} FAQs`,
    `retrieval top-1        ${result.top1.toFixed(3)}  (${result.answerable - result.misses.length}/${result.answerable})`,
  ];
  if (result.offline) {
    lines.push(
      `offline: answered      ${percent(result.offline.answeredRate)}  (${result.offline.answered}/${result.questions})`,
      `offline: wrong quote   ${percent(result.offline.wrongRate)}  (${result.offline.wrong}/${result.questions})`,
      `offline: unanswerable handed over ${result.offline.unanswerableHandedOver}/${result.questions - result.answerable}`,
    );
  }
  for (const miss of result.misses) {
    lines.push(
      `  miss ${miss.id}: "${miss.question}" → ${miss.got ?? '—'} (expected ${miss.expected})`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
