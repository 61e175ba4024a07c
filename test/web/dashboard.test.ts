/**
 * The operator's path in a real browser (issue 7, acceptance 6): log in → a conversation started
 * in /demo appears in the inbox live → take over → reply → the reply appears in the widget →
 * release → the bot answers the next message; an operator cannot open the users page.
 * Screenshots of each step go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, DEMO_ADMIN_EMAIL } from '../../src/tenancy/index.ts';
import { launchBrowser, logIn, screenshotPath } from './browser.ts';
import { type DemoDashboard, openDemoDashboard } from './demo-dashboard.ts';

const OPERATOR = { email: 'operadora@demo.omni.local', password: 'operadora-senha-1' };

describe('dashboard in Chromium', () => {
  let demo: DemoDashboard;

  beforeAll(async () => {
    demo = await openDemoDashboard(
      { DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0', QUEUE_CLAIM_IDLE_MS: '1000' },
      { workers: true },
    );
    await createUser(
      demo.test.runtime.database.db,
      { tenantId: demo.tenantId, ...OPERATOR, fullName: 'Operadora', role: 'operator' },
      { type: 'system' },
    );
  }, 120_000);
  afterAll(() => demo?.close());

  it('takes a web chat conversation over, answers it, and gives it back to the bot', async () => {
    const dashboard = await demo.browser.context.newPage();
    await logIn(dashboard, `${demo.baseUrl}/`, DEMO_ADMIN_EMAIL, demo.adminPassword);
    await dashboard.locator('.inbox').waitFor();
    await dashboard.locator('.conversations .empty').waitFor();

    // A visitor writes on /demo (another tab, same browser: the widget's identity is per tenant).
    const visitor = await demo.browser.context.newPage();
    await visitor.goto(`${demo.baseUrl}/demo`);
    const widget = visitor.locator('#omni-webchat');
    await widget.locator('textarea').fill('Quero falar com alguém');
    await widget.locator('textarea').press('Enter');
    await widget.locator('.msg.bot').first().waitFor({ timeout: 20_000 });

    // The conversation shows up in the inbox without a reload.
    const entry = dashboard.locator('.conversations button[data-conversation]').first();
    await entry.waitFor({ timeout: 10_000 });
    expect(await entry.textContent()).toContain('Quero falar com alguém');
    await dashboard.screenshot({ path: await screenshotPath('dashboard-inbox.png') });

    await entry.click();
    await dashboard.getByRole('button', { name: 'Assumir' }).click();
    await dashboard.locator('.conversation [data-controlled-by=human]').waitFor();
    await dashboard.locator('.reply textarea').fill('Oi! Aqui é a Marina, do atendimento.');
    await dashboard.getByRole('button', { name: 'Responder' }).click();
    await dashboard.locator('.message.operator').waitFor();

    await widget.locator('.msg.operator').waitFor({ timeout: 10_000 });
    expect(await widget.locator('.msg.operator').textContent()).toContain('Aqui é a Marina');
    await visitor.locator('#omni-webchat .panel').screenshot({
      path: await screenshotPath('widget-operator-reply.png'),
    });
    await dashboard.screenshot({ path: await screenshotPath('dashboard-conversation-human.png') });

    await dashboard.getByRole('button', { name: 'Devolver ao bot' }).click();
    await dashboard.locator('.conversation [data-controlled-by=bot]').waitFor();
    await widget.locator('textarea').fill('Obrigado, mais uma pergunta');
    await widget.locator('textarea').press('Enter');
    await widget.locator('.msg.bot', { hasText: 'mais uma pergunta' }).waitFor({ timeout: 20_000 });
    await dashboard.locator('.message.bot', { hasText: 'mais uma pergunta' }).waitFor();
    await dashboard.screenshot({
      path: await screenshotPath('dashboard-conversation-released.png'),
    });

    await dashboard.getByRole('link', { name: 'Visão geral' }).click();
    await dashboard.locator('.overview .stat').first().waitFor();
    await dashboard.screenshot({ path: await screenshotPath('dashboard-overview.png') });
    await visitor.close();
    await dashboard.close();
  });

  it('keeps an operator out of the users page, in the API as well as on screen', async () => {
    // A browser of its own: the admin's session stays in the other one.
    const operator = await launchBrowser();
    const page = await operator.context.newPage();
    await logIn(page, `${demo.baseUrl}/users`, OPERATOR.email, OPERATOR.password);
    await page.locator('.forbidden').waitFor();
    expect(await page.getByRole('link', { name: 'Usuários' }).count()).toBe(0);
    const answer = await page.request.get(`${demo.baseUrl}/api/v1/users`);
    expect(answer.status()).toBe(403);
    await page.screenshot({ path: await screenshotPath('dashboard-operator-users.png') });
    await operator.close();
  });

  it('adds a knowledge document and finds it; saves the settings', async () => {
    const page = await demo.browser.context.newPage();
    await page.goto(`${demo.baseUrl}/knowledge`);
    await page.locator('input[type=file]').setInputFiles({
      name: 'horarios.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(
        '# Horário de atendimento\n\nAtendemos de segunda a sexta, das 9h às 18h.\n',
      ),
    });
    await page
      .locator('td', { hasText: 'horarios.md' })
      .or(page.locator('td', { hasText: 'Horário' }))
      .first()
      .waitFor();
    await page.fill('.knowledge input[name=question]', 'qual o horário de atendimento?');
    await page.getByRole('button', { name: 'Buscar' }).click();
    await page.locator('.passage', { hasText: 'segunda a sexta' }).waitFor();
    await page.screenshot({ path: await screenshotPath('dashboard-knowledge.png') });

    await page.getByRole('link', { name: 'Configurações' }).click();
    await page
      .locator('.settings textarea')
      .first()
      .fill('Responda sempre em português do Brasil.');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await page.locator('.note', { hasText: 'Salvo.' }).waitFor();
    const [tenant] = await demo.test.runtime.database.db.query.tenants.findMany();
    expect(tenant?.settings.custom_instructions).toBe('Responda sempre em português do Brasil.');
    await page.screenshot({ path: await screenshotPath('dashboard-settings.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone: the list, then the conversation', async () => {
    const page = await demo.browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${demo.baseUrl}/inbox`);
    const entry = page.locator('.conversations button[data-conversation]').first();
    await entry.waitFor();
    await page.screenshot({ path: await screenshotPath('dashboard-phone-inbox.png') });
    await entry.click();
    await page.locator('.conversation .messages').waitFor();
    expect(await page.locator('.inbox .list').isVisible()).toBe(false);
    await page.screenshot({ path: await screenshotPath('dashboard-phone-conversation.png') });
    await page.getByLabel('language').selectOption('en');
    await page.getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.screenshot({ path: await screenshotPath('dashboard-phone-conversation-en.png') });
    await page.close();
  });

  it('leads the runbooks’ dashboard addresses to the overview', async () => {
    for (const path of ['/monitoring/omni-metrics', '/static/dashboard.html']) {
      const response = await demo.server.app.inject({ url: path });
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe('/overview');
    }
  });
});
