/**
 * The newcomer's path in a real browser (issue 5, acceptance 4): `omni start` on a fresh data
 * folder, open /demo, write to the bot, see its answer; reload, and the conversation is still
 * there. The widget is screenshotted into test-artifacts/.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOmni, startOmni } from '../support/cli.ts';
import { migratedDataDir } from '../support/database-templates.ts';
import { type Browser, ensureWebBuilt, launchBrowser, screenshotPath } from './browser.ts';

describe('web chat widget in Chromium', () => {
  let dir: string;
  let omni: RunningOmni;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    dir = await migratedDataDir('omni-widget-');
    omni = await startOmni('start', { OMNI_DATA_DIR: dir, DEBOUNCE_MS: '200' });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await omni?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the widget script, embeddable from other sites', async () => {
    const response = await fetch(`${omni.baseUrl}/widget.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    // Small: no framework inside.
    expect((await response.text()).length).toBeLessThan(20_000);
  });

  it('chats on /demo and keeps the history across a reload', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${omni.baseUrl}/demo`);
    const widget = page.locator('#omni-webchat');
    await expect.poll(() => widget.locator('.panel.open').count()).toBe(1);
    await widget.locator('textarea').fill('Oi, bom dia!');
    await widget.locator('textarea').press('Enter');
    const botReply = widget.locator('.msg.bot');
    await botReply.first().waitFor({ timeout: 20_000 });
    const answer = (await botReply.first().textContent()) ?? '';
    expect(answer.length).toBeGreaterThan(5);
    await widget.locator('.msg.contact:not(.pending)').first().waitFor();
    await page
      .locator('#omni-webchat .panel')
      .screenshot({ path: await screenshotPath('widget-demo.png') });

    await page.reload();
    await widget.locator('.msg.bot').first().waitFor({ timeout: 10_000 });
    expect(await widget.locator('.msg.contact').first().textContent()).toContain('Oi, bom dia!');
    expect(await widget.locator('.msg.bot').first().textContent()).toBe(answer);
    await page.screenshot({ path: await screenshotPath('widget-demo-after-reload.png') });
    await page.close();
  });

  it('fits a phone screen', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${omni.baseUrl}/demo`);
    const panel = page.locator('#omni-webchat .panel.open');
    await panel.waitFor();
    const box = await panel.boundingBox();
    expect(box?.width).toBe(390);
    await page.screenshot({ path: await screenshotPath('widget-demo-phone.png') });
    await page.close();
  });
});
