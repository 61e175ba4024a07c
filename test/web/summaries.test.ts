/**
 * Issue 15 in the browser: the handoff summary at the top of the conversation the operator opens
 * (acceptance 6), and the last `omni eval` run on the overview. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvalRun } from '../../src/eval/index.ts';
import { requestHandoff } from '../../src/handoff/index.ts';
import { DEMO_ADMIN_EMAIL } from '../../src/tenancy/index.ts';
import { logIn, screenshotPath } from './browser.ts';
import { type DemoDashboard, openDemoDashboard } from './demo-dashboard.ts';

describe('summaries and eval runs in the dashboard (Chromium)', () => {
  let demo: DemoDashboard;

  beforeAll(async () => {
    demo = await openDemoDashboard({ DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0' });
    const { test, tenantId } = demo;
    const { db } = test.runtime.database;

    const ingested = await test.runtime.pipeline.ingest({
      tenantId,
      channel: 'api',
      contact: { externalId: 'joana', name: 'Joana' },
      text: 'Meu pedido 4512 veio com a peça errada, quero trocar',
    });
    while ((await test.runtime.pipeline.runOnce('inbound')) > 0) {}
    await requestHandoff(db, {
      tenantId,
      conversationId: ingested.conversationId,
      reason: 'o cliente pediu um humano',
      trigger: 'tool',
    });
    const now = new Date().toISOString();
    await recordEvalRun(db, tenantId, {
      mode: 'simulator',
      startedAt: now,
      finishedAt: now,
      total: 17,
      passed: 16,
      failed: 1,
      passRate: 16 / 17,
      cases: [
        {
          file: 'knowledge.yaml',
          name: 'free shipping threshold',
          status: 'failed',
          turns: 1,
          failures: [
            {
              turn: 1,
              say: 'a partir de quanto o frete é grátis?',
              expectation: 'contains "R$ 299"',
              expected: 'a reply containing "R$ 299"',
              got: '"O frete é sempre grátis!"',
            },
          ],
          notes: [],
          replies: ['O frete é sempre grátis!'],
        },
      ],
      baseline: { regressions: [], fixed: [], added: [], passRateBefore: 1, passRateNow: 16 / 17 },
    });
  }, 120_000);
  afterAll(() => demo?.close());

  it('shows the handoff summary on top of the conversation, and the last eval run on the overview', async () => {
    const page = await demo.browser.context.newPage();
    await logIn(page, `${demo.baseUrl}/`, DEMO_ADMIN_EMAIL, demo.adminPassword);
    await page.locator('.conversations button[data-conversation]').first().click();

    const summary = page.locator('[data-testid=handoff-summary]');
    await summary.waitFor({ timeout: 15_000 });
    const text = await summary.textContent();
    expect(text).toContain('Resumo da transferência');
    expect(text).toContain('o cliente pediu um humano');
    expect(text).toContain('Meu pedido 4512 veio com a peça errada, quero trocar');
    // On top: before the first message of the conversation.
    const summaryBox = await summary.boundingBox();
    const firstMessage = await page.locator('.messages .message').first().boundingBox();
    expect(summaryBox && firstMessage && summaryBox.y < firstMessage.y).toBe(true);
    await page.screenshot({ path: await screenshotPath('dashboard-handoff-summary.png') });

    await page.getByRole('link', { name: 'Visão geral' }).click();
    const card = page.locator('[data-testid=last-eval-run]');
    await card.waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=last-eval-run] strong').waitFor();
    const cardText = await card.textContent();
    expect(cardText).toContain('16 de 17 casos passaram (94,1%)');
    expect(cardText).toContain(
      'knowledge.yaml › free shipping threshold: mensagem 1: contains "R$ 299"',
    );
    await page.screenshot({ path: await screenshotPath('dashboard-last-eval-run.png') });
    await page.close();
  });
});
