/**
 * The people-facing surfaces in a real browser (issue 20, acceptance 4): every dashboard page in
 * pt-BR shows no English (its visible text scanned against the en catalogue's values that differ
 * from pt-BR), the overview's chart has axes and a legend, settings show the values in force and
 * their source, the widget shows that a person is awaited and then answering, and `/demo` speaks
 * pt-BR unless the tenant or the browser says otherwise. Screenshots go to test-artifacts/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHandoff } from '../../src/handoff/index.ts';
import { ingestDocument } from '../../src/knowledge/index.ts';
import {
  createTenant,
  createUser,
  DEMO_ADMIN_EMAIL,
  listAudit,
  updateTenant,
} from '../../src/tenancy/index.ts';
import { LANGUAGES } from '../../web/dashboard/src/strings.ts';
import { STRINGS } from '../../web/widget/src/strings.ts';
import { eventually } from '../support/eventually.ts';
import { logIn, screenshotPath } from './browser.ts';
import { type DemoDashboard, openDemoDashboard } from './demo-dashboard.ts';

const OPERATOR = { email: 'operadora@demo.omni.local', password: 'operadora-senha-1' };

/** Every string of a catalogue, nested records included (functions are templates: skipped). */
function strings(catalogue: unknown): string[] {
  if (typeof catalogue === 'string') return [catalogue];
  if (catalogue && typeof catalogue === 'object') return Object.values(catalogue).flatMap(strings);
  return [];
}

/** The en catalogues' values that pt-BR does not share ("Bot", "E-mail" and "API" are both). */
const ENGLISH_ONLY = (() => {
  const portuguese = new Set([...strings(LANGUAGES['pt-BR']), ...strings(STRINGS['pt-BR'])]);
  return [...new Set([...strings(LANGUAGES.en), ...strings(STRINGS.en)])].filter(
    (text) => !portuguese.has(text) && text.length > 1,
  );
})();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The English strings visible on the page, matched as whole words. */
async function englishOn(page: Page): Promise<string[]> {
  // A string, not a function: this file is type-checked without the DOM's types. The widget
  // lives in a shadow root, which innerText does not enter; placeholders are read too.
  const visible = await page.evaluate<string>(`(() => {
    const widget = document.querySelector('#omni-webchat')?.shadowRoot;
    return [
      document.body.innerText,
      widget?.querySelector('.panel')?.innerText ?? '',
      ...[document, ...(widget ? [widget] : [])].flatMap((root) =>
        [...root.querySelectorAll('[placeholder]')].map((e) => e.getAttribute('placeholder')),
      ),
    ].join('\\n');
  })()`);
  return ENGLISH_ONLY.filter((text) =>
    new RegExp(`(^|[^\\p{L}])${escapeRegExp(text)}($|[^\\p{L}])`, 'u').test(visible),
  );
}

describe('the dashboard, the widget and /demo for people (pt-BR)', () => {
  let demo: DemoDashboard;
  let conversationId: string;

  beforeAll(async () => {
    demo = await openDemoDashboard(
      {
        DEBOUNCE_MS: '0',
        DEBOUNCE_MAX_MS: '0',
        QUEUE_CLAIM_IDLE_MS: '1000',
        // Set in the environment: settings must say so.
        ESCALATION_MAX_INTERACTIONS: '3',
      },
      { workers: true },
    );
    const { tenantId } = demo;
    const { db } = demo.test.runtime.database;
    await createUser(
      db,
      { tenantId, ...OPERATOR, fullName: 'Operadora', role: 'operator' },
      { type: 'system' },
    );
    await createTenant(db, { slug: 'globex', settings: { language: 'en' } }, { type: 'system' });
    // Tenants are created speaking pt-BR; initech's setting is removed, so the browser decides.
    const initech = await createTenant(db, { slug: 'initech' }, { type: 'system' });
    await updateTenant(db, initech.id, { settings: { language: null } }, { type: 'system' });
    await ingestDocument(db, {
      tenantId,
      source: 'ajuda.md',
      format: 'markdown',
      content:
        '# Ajuda\n\n## Horário\n\nAtendemos de segunda a sexta, das 9h às 18h.\n\n## Entrega\n\nEntregamos em todo o Brasil em até 5 dias úteis.\n',
    });
  }, 120_000);
  afterAll(() => demo?.close());

  const logInAsAdmin = (page: Page, password = demo.adminPassword) =>
    logIn(page, `${demo.baseUrl}/inbox`, DEMO_ADMIN_EMAIL, password);

  it('says a wrong password in Portuguese', async () => {
    const page = await demo.browser.context.newPage();
    await logInAsAdmin(page, 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Não foi possível entrar: E-mail ou senha incorretos.');
    expect(await englishOn(page)).toEqual([]);
    await page.screenshot({ path: await screenshotPath('pt-login-error.png') });
    await logInAsAdmin(page);
    await page.locator('.inbox').waitFor();
    await page.close();
  });

  it('shows the visitor that a person is awaited, then answering, then the bot again', async () => {
    const visitor = await demo.browser.context.newPage();
    await visitor.goto(`${demo.baseUrl}/demo`);
    const widget = visitor.locator('#omni-webchat');
    const banner = widget.locator('.banner');
    await widget.locator('textarea').fill('Quero falar com uma pessoa');
    await widget.locator('textarea').press('Enter');
    await widget.locator('.msg.bot').first().waitFor({ timeout: 20_000 });
    expect(await banner.isVisible()).toBe(false);

    const [conversation] = await demo.test.runtime.database.db.query.conversations.findMany();
    conversationId = conversation?.id as string;
    // The bot calls a person, as the agents do on "quero falar com uma pessoa".
    await requestHandoff(demo.test.runtime.database.db, {
      tenantId: demo.tenantId,
      conversationId,
      reason: 'human_request: the contact asked for a person',
      trigger: 'escalation',
    });
    await widget.locator('.banner[data-state=pending_human]').waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('Aguardando um atendente');
    await visitor
      .locator('#omni-webchat .panel')
      .screenshot({ path: await screenshotPath('widget-waiting.png') });

    // A reload learns the state from the hello, not only from the push.
    await visitor.reload();
    await widget.locator('.banner[data-state=pending_human]').waitFor({ timeout: 10_000 });

    const dashboard = await demo.browser.context.newPage();
    await dashboard.goto(`${demo.baseUrl}/inbox`);
    await dashboard.locator(`[data-conversation="${conversationId}"]`).click();
    await dashboard.getByRole('button', { name: 'Assumir' }).click();
    await widget.locator('.banner[data-state=human]').waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('conversando com um atendente');
    await dashboard.locator('.reply textarea').fill('Oi! Aqui é a Marina.');
    await dashboard.getByRole('button', { name: 'Responder' }).click();
    await widget.locator('.msg.operator').waitFor({ timeout: 10_000 });
    await visitor
      .locator('#omni-webchat .panel')
      .screenshot({ path: await screenshotPath('widget-with-human.png') });

    await dashboard.getByRole('button', { name: 'Devolver ao bot' }).click();
    await eventually(async () => !(await banner.isVisible()), 10_000, 'the banner goes away');

    // Operators read a release note, never the marker's instruction to the model.
    const note = dashboard.locator('.message.system');
    await note.waitFor();
    expect(await note.textContent()).toContain('Atendimento humano encerrado');
    expect(await dashboard.locator('.messages').textContent()).not.toMatch(/repita|contradiga/);
    await dashboard.screenshot({ path: await screenshotPath('pt-conversation-released.png') });
    await visitor.close();
    await dashboard.close();
  });

  it('draws messages per hour with axes and a legend', async () => {
    const page = await demo.browser.context.newPage();
    await page.goto(`${demo.baseUrl}/overview`);
    const chart = page.locator('.hourly-chart');
    await chart.locator('canvas').waitFor();
    expect(await chart.locator('.u-axis').count()).toBe(2);
    const legend = (await chart.locator('.u-legend').textContent()) ?? '';
    expect(legend).toContain('Recebidas');
    expect(legend).toContain('Enviadas');
    // One web chat conversation, one handoff; the visitor asked: not an escalation.
    const stats = await page.request.get(`${demo.baseUrl}/api/v1/stats/overview`);
    expect(await stats.json()).toMatchObject({ handoff_rate: 1, escalation_rate: 0 });
    await page.screenshot({ path: await screenshotPath('pt-overview.png'), fullPage: true });
    await chart.screenshot({ path: await screenshotPath('pt-overview-chart.png') });
    await page.close();
  });

  it('shows each setting in force and where it comes from, and provider keys only as set or not', async () => {
    const page = await demo.browser.context.newPage();
    await page.goto(`${demo.baseUrl}/settings`);
    const inForce = (key: string) => page.locator(`[data-setting="${key}"]`);
    await inForce('escalation.min_confidence').waitFor();
    expect(await inForce('escalation.min_confidence').textContent()).toBe(
      'Em vigor: 0.6 (padrão do Omni)',
    );
    expect(await inForce('escalation.max_interactions').textContent()).toBe(
      'Em vigor: 3 (variável de ambiente)',
    );
    expect(await inForce('canned_responses.greeting').textContent()).toContain(
      'Olá! Sou o assistente virtual',
    );
    await page.locator('label', { hasText: 'Confiança mínima' }).locator('input').fill('0.45');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await page.locator('.note', { hasText: 'Salvo.' }).waitFor();
    await expect
      .poll(() => inForce('escalation.min_confidence').textContent(), { timeout: 15_000 })
      .toBe('Em vigor: 0.45 (definido para a empresa)');
    expect(await page.locator('[data-secret="providers.openai.api_key"]').textContent()).toBe(
      'openai não configurada',
    );
    await page.screenshot({ path: await screenshotPath('pt-settings.png'), fullPage: true });
    await page.close();
  });

  it('lets an admin set a new password and disable a user, both audited', async () => {
    const page = await demo.browser.context.newPage();
    await page.goto(`${demo.baseUrl}/users`);
    const row = page.locator('tr', { hasText: OPERATOR.email });
    expect(await row.locator('td').nth(2).textContent()).toBe('Atendente');
    await row.getByRole('button', { name: 'Redefinir senha' }).click();
    await row.getByLabel('Nova senha').fill('nova-senha-da-operadora');
    await page.screenshot({ path: await screenshotPath('pt-users-reset.png') });
    await row.getByRole('button', { name: 'Salvar' }).click();
    await page.locator('.note', { hasText: 'Senha redefinida' }).waitFor();
    // Not through the page: its cookies would become the operator's session.
    const login = await demo.server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: OPERATOR.email, password: 'nova-senha-da-operadora' },
    });
    expect(login.statusCode).toBe(200);

    await row.getByRole('button', { name: 'Desativar' }).click();
    await page.locator('.note', { hasText: 'Usuário desativado' }).waitFor();
    await row.locator('td', { hasText: 'desativado' }).waitFor();
    const actions = (
      await listAudit(demo.test.runtime.database.db, { tenantId: demo.tenantId, limit: 50 })
    ).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['user.reset_password', 'user.disable']));
    await page.close();
  });

  it('lists documents with their passages and ranks search results by relevance', async () => {
    const page = await demo.browser.context.newPage();
    await page.goto(`${demo.baseUrl}/knowledge`);
    await page.locator('td', { hasText: '2 trechos' }).waitFor();
    await page.fill('.knowledge input[name=question]', 'qual o horário de atendimento?');
    await page.getByRole('button', { name: 'Buscar' }).click();
    const first = page.locator('.passage').first();
    await first.waitFor();
    expect(await first.locator('.who').textContent()).toMatch(/^#1 Melhor resultado · /);
    expect(await page.locator('.passage .who').allTextContents()).not.toContainEqual(
      expect.stringMatching(/\d\.\d{3}/),
    );
    await page.screenshot({ path: await screenshotPath('pt-knowledge.png'), fullPage: true });
    await page.close();
  });

  it('shows no English on any dashboard page in pt-BR, nor on /demo', async () => {
    const page = await demo.browser.context.newPage();
    const found: Record<string, string[]> = {};
    const visit = async (path: string, ready: string, then?: () => Promise<void>) => {
      await page.goto(`${demo.baseUrl}${path}`);
      await page.locator(ready).first().waitFor();
      await then?.();
      const english = await englishOn(page);
      if (english.length > 0) found[path] = english;
      await page.screenshot({
        path: await screenshotPath(`pt-page${path.replaceAll('/', '-')}.png`),
        fullPage: true,
      });
    };
    await visit('/inbox', '.conversations [data-conversation]', async () => {
      await page.locator(`[data-conversation="${conversationId}"]`).click();
      await page.locator('.message.system').waitFor();
    });
    await visit('/overview', '.hourly-chart canvas');
    await visit('/knowledge', '.knowledge td', async () => {
      await page.fill('.knowledge input[name=question]', 'entrega');
      await page.getByRole('button', { name: 'Buscar' }).click();
      await page.locator('.passage').first().waitFor();
    });
    await visit('/settings', '[data-setting]');
    await visit('/users', '.card tr', async () => {
      await page.getByRole('button', { name: 'Redefinir senha' }).first().click();
    });
    await visit('/demo', '#omni-webchat .panel.open');
    expect(found).toEqual({});
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    await page.close();
  });

  it('lets a widget without data-lang speak its tenant’s language, whatever the browser’s', async () => {
    const page = await demo.browser.context.newPage();
    // Any page of Omni's origin stands in for a customer's (Chromium keeps pages of other
    // origins from reaching the loopback); the script tag is added as a site would, no data-lang.
    await page.goto(`${demo.baseUrl}/version`);
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.src = '/widget.js';
      script.dataset.tenant = 'globex';
      script.dataset.open = 'true';
      document.body.append(script);
    })()`);
    const input = page.locator('#omni-webchat textarea');
    await expect
      .poll(() => input.getAttribute('placeholder'), { timeout: 15_000 })
      .toBe('Type your message…');
    expect(await page.locator('#omni-webchat form button').textContent()).toBe('Send');
    await page.close();
  });

  it('serves /demo in the tenant’s language, else the browser’s, pt-BR by default; and a favicon', async () => {
    const demoLanguage = async (query: string, acceptLanguage?: string) => {
      const response = await demo.server.app.inject({
        url: `/demo${query}`,
        headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {},
      });
      return /data-lang="([^"]+)"/.exec(response.body)?.[1];
    };
    // initech has no language setting; globex's is English.
    expect(await demoLanguage('?tenant=initech')).toBe('pt-BR');
    expect(await demoLanguage('?tenant=initech', 'en-US,en;q=0.9')).toBe('en');
    expect(await demoLanguage('?tenant=initech', 'de-DE,en;q=0.5,pt;q=0.8')).toBe('pt-BR');
    expect(await demoLanguage('?tenant=globex', 'pt-BR')).toBe('en');
    const icon = await demo.server.app.inject({ url: '/favicon.ico' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/x-icon');
    expect(icon.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });
});
