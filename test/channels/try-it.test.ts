/**
 * The README's "try it on WhatsApp" path with the real executable: `omni start` pointed at the
 * WhatsApp simulator through seed 000's MCP_WHATSAPP_URL / MCP_TOKEN, no LLM key (the offline
 * responder answers a greeting); and `omni sim telegram` as a process a person types into.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type EvolutionSim, startEvolutionSim } from '../../src/channels/index.ts';
import { type RunningOmni, startOmni } from '../support/cli.ts';

const OMNI = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));

// Real processes start here (tsx, PGlite); on two busy cores that takes a while: longer timeouts.
describe('trying the channels as a newcomer', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('omni start with MCP_WHATSAPP_URL answers a WhatsApp greeting through the simulator', async () => {
    const sim: EvolutionSim = await startEvolutionSim({ apiKey: 'dev-token' });
    cleanups.push(() => sim.close());
    const dir = await mkdtemp(join(tmpdir(), 'omni-try-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const omni: RunningOmni = await startOmni('start', {
      OMNI_DATA_DIR: dir,
      // As the README says: the simulator is on loopback, which the egress guard refuses otherwise.
      EGRESS_ALLOW: '127.0.0.1',
      MCP_WHATSAPP_URL: sim.url,
      MCP_TOKEN: 'dev-token',
      DEBOUNCE_MS: '200',
    });
    cleanups.push(() => omni.stop());
    sim.setWebhook(`${omni.baseUrl}/webhooks/evolution/demo`);

    expect((await sim.customerSays('5511988887777', 'Olá, bom dia')).status).toBe(200);
    const [reply] = await sim.waitForSent(1, 30_000);
    expect(reply?.number).toBe('5511988887777');
    expect(reply?.text.length).toBeGreaterThan(5);
    const health = await (await fetch(`${omni.baseUrl}/health`)).json();
    expect(health).toMatchObject({ whatsapp: 'connected' });
    expect(omni.output().stdout).toContain('"channel":"evolution"');
  }, 120_000);

  it('omni sim telegram takes typed lines as customer messages and stops on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [OMNI, 'sim', 'telegram', '--port', '0', '--chat-id', '42'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const found = /listening on (http:\/\/\S+)/.exec(stderr);
        if (found) resolve(found[1] as string);
      });
      child.once('exit', () => reject(new Error(`omni sim telegram exited:\n${stderr}`)));
    });
    const bot = `${url}/bot7000000001:sim-token`;
    expect(await (await fetch(`${bot}/getMe`)).json()).toMatchObject({ ok: true });
    child.stdin.write('Oi, tem alguém aí?\n');
    type Updates = { result: Array<{ message?: { text?: string; chat?: { id?: number } } }> };
    let updates: Updates['result'] = [];
    for (let i = 0; i < 100 && updates.length === 0; i++) {
      updates = ((await (await fetch(`${bot}/getUpdates?timeout=1`)).json()) as Updates).result;
    }
    expect(updates[0]?.message).toMatchObject({ text: 'Oi, tem alguém aí?', chat: { id: 42 } });
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 60_000);
});
