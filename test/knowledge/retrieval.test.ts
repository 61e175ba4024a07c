import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRetrieval, type RetrievalSet } from '../../src/knowledge/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';

/**
 * Acceptance 2: retrieval on FaQuAD (249 paragraphs ingested, all 900 questions asked) beats the
 * TF-IDF cosine references of datasets/README.md — the better of the word and character
 * variants on every figure: R@1 0.786, R@5 0.963, MRR 0.866. Measured: R@1 0.829, R@5 0.972,
 * MRR 0.890 (the same figures as `omni kb bench`). A subset was tried and dropped: its R@5 sat too
 * close to the reference to prove anything.
 */
const DATASET = 'datasets/faquad/faquad_retrieval.json';
const REFERENCE = { recallAt1: 0.786, recallAt5: 0.963, mrr: 0.866 };

describe.each(BACKENDS)('FaQuAD retrieval (%s)', (backend) => {
  let test: TestRuntime;
  let tenantId: string;
  const set = JSON.parse(readFileSync(DATASET, 'utf8')) as RetrievalSet;

  beforeAll(async () => {
    test = await openTestRuntime(backend);
    tenantId = (
      await createTenant(test.runtime.database.db, { slug: 'faquad' }, { type: 'system' })
    ).id;
  });
  afterAll(() => test?.close());

  it('ingests 249 paragraphs, asks 900 questions and beats TF-IDF on R@1, R@5 and MRR', async () => {
    expect(set.corpus).toHaveLength(249);
    expect(set.queries).toHaveLength(900);
    const scores = await benchRetrieval(test.runtime.database.db, tenantId, set);
    console.log(
      `FaQuAD (${backend}): R@1 ${scores.recallAt1.toFixed(3)}  R@5 ${scores.recallAt5.toFixed(3)}  MRR ${scores.mrr.toFixed(3)}  (${scores.meanQueryMs.toFixed(1)} ms/question; TF-IDF reference ${REFERENCE.recallAt1}/${REFERENCE.recallAt5}/${REFERENCE.mrr})`,
    );
    expect(scores.questions).toBe(900);
    expect(scores.recallAt1).toBeGreaterThan(REFERENCE.recallAt1);
    expect(scores.recallAt5).toBeGreaterThan(REFERENCE.recallAt5);
    expect(scores.mrr).toBeGreaterThan(REFERENCE.mrr);
  }, 600_000);
});
