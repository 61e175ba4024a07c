/**
 * docs/RUNBOOK.md promises that the log lines the seed runbooks grep for exist. A scripted session
 * against a real `omni start` (embedded, models from the LLM simulator, operator actions through
 * the CLI beside it) writes them; each promised word is then grepped in its output, as the runbooks
 * do, and the process title carries the runbooks' role name (`ps aux | grep agente`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { type RunningOmni, runOmni, startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';

/** Each word the map promises, with the grep that finds it (the test checks the map says so). */
const PROMISED: Array<[word: string, seed: string]> = [
  ['AgentPipeline', '002'],
  ['EscalatorAgent', '002'],
  ['ingest-message', '002'],
  ['handoff', '001'],
  ['fallback', '004'],
  ['LLM latency', '004'],
  ['enviar', '001'],
  ['User-Agent', '004'],
];

interface ChatBody {
  messages: Array<{ role: string; content: unknown }>;
  tools?: Array<{ function: { name: string } }>;
}

describe("the runbooks' log lines in a scripted session", () => {
  let dir: string;
  let llm: LlmSimulator;
  let omni: RunningOmni;
  let env: Record<string, string>;
  let apiKey: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-runbook-'));
    llm = await startLlmSimulator({
      behaviour: { answer: 'Olá! Como posso ajudar?' },
      script: ({ body }) => {
        const chat = body as ChatBody;
        const routing = chat.tools?.some((t) => t.function.name === 'route_conversation');
        if (!routing) return undefined;
        const last = JSON.stringify(chat.messages.at(-1)?.content ?? '');
        const intent = last.includes('humano') ? 'human_request' : 'question';
        return {
          toolCall: {
            name: 'route_conversation',
            input: { agent: 'support', intent, confidence: 0.95 },
          },
        };
      },
    });
    env = {
      OMNI_DATA_DIR: join(dir, 'data'),
      OPENAI_API_KEY: 'sk-sim',
      OPENAI_BASE_URL: `${llm.url}/v1`,
      PROVIDER_PRIORITY_ORDER: 'openai',
      DEBOUNCE_MS: '0',
      DEBOUNCE_MAX_MS: '0',
    };
    omni = await startOmni('start', env);
    // First-start credentials go to stdout (pm2 files stderr as the error log).
    apiKey = /API key\s+(\S+)/.exec(omni.output().stdout)?.[1] ?? '';
  });

  afterAll(async () => {
    await omni?.stop();
    await llm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const logs = () => omni.output().stdout;
  const grep = (word: string) =>
    logs()
      .split('\n')
      .filter((line) => line.includes(word));
  const send = async (contact: string, text: string) => {
    const response = await fetch(`${omni.baseUrl}/api/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { id: contact }, text }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { conversation_id: string }).conversation_id;
  };
  const turnsAnswered = () => grep('"msg":"turn answered"').length;
  const omniOk = async (...args: string[]) => {
    const result = await runOmni(args, env);
    expect(result.code, `omni ${args.join(' ')}: ${result.stderr}`).toBe(0);
  };

  it('writes every promised line, AgentPipeline on every turn', async () => {
    expect(apiKey).toMatch(/\S{16,}/);
    // Ordinary turns.
    await send('ana', 'Bom dia, vocês abrem no sábado?');
    await send('bia', 'Qual o prazo de entrega para Campinas?');
    await eventually(() => turnsAnswered() === 2, 60_000, 'two turns');

    // Fallback mode on: the next turn is a canned answer, and says so.
    await omniOk('fallback', 'on');
    await send('caio', 'Qual o preço do plano básico?');
    await eventually(
      () => grep('fallback answer (fallback_mode)').length === 1,
      60_000,
      'fallback',
    );
    await omniOk('fallback', 'off');

    // A request for a person: escalation, then the operator takes, releases and resolves.
    const conversation = await send('davi', 'quero falar com um humano');
    await eventually(() => grep('"msg":"handoff requested"').length === 1, 60_000, 'escalation');
    for (const action of ['handoff', 'release', 'handoff', 'resolve']) {
      const response = await fetch(
        `${omni.baseUrl}/api/v1/conversations/${conversation}/${action}`,
        { method: 'POST', headers: { 'x-api-key': apiKey } },
      );
      expect(response.status, action).toBe(200);
    }
    for (const change of ['requested', 'taken', 'released', 'resolved']) {
      await eventually(() => grep(`"msg":"handoff ${change}"`).length > 0, 15_000, change);
    }
    await eventually(() => turnsAnswered() === 4, 60_000, 'four turns');

    for (const [word] of PROMISED) expect(grep(word).length, word).toBeGreaterThan(0);
    // One line per HTTP request, with its user agent (seed 004 §10.1 `grep User-Agent`).
    const requests = () =>
      grep('"msg":"request"').filter((line) => line.includes('/api/v1/messages'));
    await eventually(() => requests().length === 4, 15_000, 'one line per request');
    expect(requests()).toHaveLength(4);
    expect(JSON.parse(requests()[0] as string)).toMatchObject({
      method: 'POST',
      status: 202,
      'User-Agent': expect.any(String),
      duration_ms: expect.any(Number),
    });
    // Every turn the agents answered wrote an AgentPipeline line saying so.
    const turnRows = grep('"msg":"turn answered"');
    expect(turnRows.every((line) => line.includes('AgentPipeline'))).toBe(true);
  });

  it('names the process after its role (ps aux | grep agente)', async () => {
    const cmdline = await readFile(`/proc/${omni.child.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('agente');
  });

  it('docs/RUNBOOK.md promises each of these words', async () => {
    const map = await readFile('docs/RUNBOOK.md', 'utf8');
    for (const [word] of PROMISED) expect(map, word).toContain(`grep "${word}"`);
  });
});
