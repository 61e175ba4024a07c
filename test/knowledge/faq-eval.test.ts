import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOffline, OFFLINE_MESSAGES } from '../../src/gateway/index.ts';
import {
  bestSentences,
  evalFaqSet,
  knowledgeLookup,
  searchKnowledge,
  stripCourtesy,
} from '../../src/knowledge/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';

/**
 * The pt-BR FAQ sets, each four small FAQs with 84 answerable and 8 unanswerable colloquial
 * questions: datasets/faq_ptbr_tuning, which retrieval and the offline responder are tuned on, and
 * datasets/faq_ptbr, held out (written before the hybrid search, never tuned on). Measured
 * (`omni eval retrieval`), before → after the query reading (courtesy, abbreviations, related
 * terms), stem-prefix matching and the per-ranker gap rule:
 * - tuning: top-1 0.690 → 0.869; offline answered 21.7 % → 44.6 %, wrong 1.1 % → 1.1 %;
 * - held-out: top-1 0.726 → 0.738; offline answered 30.4 % → 41.3 %, wrong 1.1 % → 2.2 %.
 * Met: wrong ≤ 5 % on both. NOT met on the held-out set: top-1 ≥ 0.85 and answers ≥ 70 %; the
 * bounds below guard the measured levels against regressions, and the figures are printed.
 * One backend: the rankers are the same on both (see retrieval.test.ts).
 */
const SETS = [
  { name: 'tuning', folder: 'datasets/faq_ptbr_tuning', top1: 0.85, answered: 0.4 },
  { name: 'held-out', folder: 'datasets/faq_ptbr', top1: 0.72, answered: 0.35 },
];

describe('pt-BR FAQ sets', () => {
  let test: TestRuntime;
  const lines: string[] = [];

  beforeAll(async () => {
    test = await openTestRuntime('pglite');
  });
  afterAll(() => test?.close());

  it.each(SETS)(
    '$name set: retrieval top-1 and the offline responder’s answer and wrong-quote rates',
    async (set) => {
      const db = test.runtime.database.db;
      lines.length = 0;
      const logger = pino(
        { level: 'info' },
        new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      );
      const lookup = knowledgeLookup(db, logger);
      const result = await evalFaqSet(db, set.folder, {
        tenantFor: async (business) =>
          (await createTenant(db, { slug: `faq-${set.name}-${business}` }, { type: 'system' })).id,
        respond: ({ tenantId, question }) =>
          answerOffline({ text: question, language: 'pt-BR', tenantId, knowledge: lookup }),
      });
      console.log(
        `pt-BR FAQ ${set.name}: top-1 ${result.top1.toFixed(3)}; offline answered ${result.offline?.answered}/${result.questions}, wrong ${result.offline?.wrong}/${result.questions}`,
      );
      expect(result.questions).toBeGreaterThanOrEqual(60);
      expect(result.businesses).toBeGreaterThanOrEqual(3);
      expect(result.top1).toBeGreaterThanOrEqual(set.top1);
      expect(result.offline?.answeredRate).toBeGreaterThanOrEqual(set.answered);
      expect(result.offline?.wrongRate).toBeLessThanOrEqual(0.05);
      // Every decision is logged with the rankers' scores.
      const decisions = lines.map((line) => JSON.parse(line)).filter((l) => l.decision);
      expect(decisions).toHaveLength(result.questions);
      expect(decisions[0]).toMatchObject({
        agree: expect.any(Boolean),
        gaps: { word: expect.any(Number), chars: expect.any(Number) },
      });
      expect(decisions[0].candidates[0]).toMatchObject({ chars: expect.any(Array) });
    },
    300_000,
  );

  it('a greeting before a question is a question, answered with the passage’s own best sentence', async () => {
    const db = test.runtime.database.db;
    const tenantId = (await createTenant(db, { slug: 'loja-greeting' }, { type: 'system' })).id;
    const { readFile } = await import('node:fs/promises');
    const { ingestDocument } = await import('../../src/knowledge/index.ts');
    await ingestDocument(db, {
      tenantId,
      source: 'loja.md',
      content: await readFile('datasets/faq_ptbr/loja.md', 'utf8'),
      format: 'markdown',
    });
    const knowledge = knowledgeLookup(db);
    const answer = await answerOffline({
      text: 'Bom dia, em quantas vezes posso parcelar?',
      language: 'pt-BR',
      tenantId,
      knowledge,
    });
    expect(answer.intent).toBe('unknown');
    expect(answer.text).not.toContain(OFFLINE_MESSAGES['pt-BR'].greeting);
    expect(answer.citation).toContain('Em quantas vezes posso parcelar?');
    expect(answer.text).toContain('10 vezes sem juros');

    // The exchange passage has three sentences; each question gets the one that answers it
    // (read from the passage directly: whether the responder is confident enough to quote it is
    // the confidence rule's business, measured above).
    const [exchange] = await searchKnowledge(db, { tenantId, query: 'trocar produto', limit: 1 });
    expect(exchange?.content).toContain('etiqueta');
    const content = exchange?.content ?? '';
    const days = bestSentences(
      content,
      stripCourtesy('Olá, quantos dias eu tenho para trocar um produto?'),
    );
    expect(days).toMatch(/^Você tem até 30 dias após o recebimento para trocar/);
    expect(days).not.toContain('etiqueta');
    expect(
      bestSentences(
        content,
        stripCourtesy('Boa tarde! O produto precisa estar com etiqueta para trocar?'),
      ),
    ).toBe('O produto deve estar sem uso e com etiqueta.');

    const greeting = await answerOffline({
      text: 'Bom dia, tudo bem?',
      language: 'pt-BR',
      tenantId,
      knowledge,
    });
    expect(greeting).toMatchObject({
      intent: 'greeting',
      text: OFFLINE_MESSAGES['pt-BR'].greeting,
    });
    const unknown = await answerOffline({
      text: 'qual a previsão do tempo amanhã em Curitiba?',
      language: 'pt-BR',
      tenantId,
      knowledge,
    });
    expect(unknown).toMatchObject({ intent: 'unknown', text: OFFLINE_MESSAGES['pt-BR'].fallback });
  }, 300_000);
});
