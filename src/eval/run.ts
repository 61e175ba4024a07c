/**
 * Runs eval suites against a real Omni in memory: an in-memory PGlite runtime whose pipeline
 * answers with the real agents through the real gateway — backed by the LLM simulator, scripted
 * per turn by the case, or by the configured providers. Each case gets a fresh tenant seeded with
 * its file's knowledge base and settings; each contact message goes through ingest → turn like a
 * channel's, and the reply, the tools the agent called and the conversation's owner are observed.
 */
import { wrapLanguageModel } from 'ai';
import { and, eq, gt, inArray } from 'drizzle-orm';
import { createAgentResponder } from '../agents/index.ts';
import { mediaPlaceholder } from '../channels/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import {
  enabledProviders,
  type Gateway,
  type GatewayCallOptions,
  type GatewayRequest,
  type GatewayResult,
  type LlmSimulator,
  type SimBehaviour,
  startLlmSimulator,
} from '../gateway/index.ts';
import { ingestDocument } from '../knowledge/index.ts';
import type { Logger } from '../observability/index.ts';
import type { TurnRequest } from '../pipeline/index.ts';
import { openRuntime, type Runtime } from '../runtime/index.ts';
import { schema } from '../storage/index.ts';
import { createTenant } from '../tenancy/index.ts';
import { checkReply, type Failure, type ObservedReply } from './expectations.ts';
import { judgeReply } from './judge.ts';
import type { EvalSuite } from './load.ts';
import type { EvalCase, EvalTurn } from './schema.ts';
import { simulatorScript } from './script.ts';

export type EvalMode = 'simulator' | 'providers';

export interface CaseFailure extends Failure {
  /** 1-based turn of the case. */
  turn: number;
  say: string;
}

export interface CaseResult {
  file: string;
  name: string;
  status: 'passed' | 'failed';
  turns: number;
  failures: CaseFailure[];
  /** Things the reader should know: judge criteria skipped without a model, a turn that timed out. */
  notes: string[];
  /** The replies, in order, for the JSON report and the diff. */
  replies: string[];
}

export interface EvalRun {
  mode: EvalMode;
  startedAt: string;
  finishedAt: string;
  total: number;
  passed: number;
  failed: number;
  /** passed / total, 0–1. */
  passRate: number;
  cases: CaseResult[];
}

export interface RunOptions {
  /** The instance's configuration: its providers (unless `simulate`) and agent thresholds. */
  config: Config;
  logger: Logger;
  /** The scripted LLM simulator even when provider keys are configured. */
  simulate?: boolean;
  /** Longest wait for one reply. */
  turnTimeoutMs: number;
  onCase?: (result: CaseResult) => void;
}

/** Scripted runs need no key: the simulator accepts this one only. */
const SIMULATOR_KEY = 'sk-omni-eval';
const POLL_MS = 25;

export function evalMode(config: Config, simulate = false): EvalMode {
  return simulate || enabledProviders(config).length === 0 ? 'simulator' : 'providers';
}

export async function runEvals(suites: EvalSuite[], options: RunOptions): Promise<EvalRun> {
  const startedAt = new Date().toISOString();
  const mode = evalMode(options.config, options.simulate);
  let script: (body: unknown) => SimBehaviour | undefined = () => undefined;
  const simulator: LlmSimulator | undefined =
    mode === 'simulator'
      ? await startLlmSimulator({
          host: '127.0.0.1',
          apiKeys: [SIMULATOR_KEY],
          script: ({ body }) => script(body),
        })
      : undefined;
  const toolCalls = new Map<string, ObservedReply['toolCalls']>();
  let runtime: Runtime | undefined;
  const responder = (request: TurnRequest) => agents(request);
  let agents: (request: TurnRequest) => ReturnType<ReturnType<typeof createAgentResponder>>;
  try {
    runtime = await openRuntime(runtimeConfig(options.config, simulator), {
      logger: options.logger,
      inMemory: true,
      migrate: true,
      responder,
    });
    const opened = runtime;
    agents = createAgentResponder({
      db: opened.database.db,
      gateway: recordingGateway(opened.gateway, toolCalls),
      config: opened.config,
      logger: opened.logger,
      registry: opened.metrics.registry,
    });
    const workers = opened.pipeline.startWorkers(['inbound']);
    const cases: CaseResult[] = [];
    try {
      let tenantNumber = 0;
      for (const suite of suites) {
        for (const testCase of suite.cases) {
          tenantNumber += 1;
          const result = await runCase(opened, {
            suite,
            testCase,
            tenantSlug: `eval-${tenantNumber}`,
            mode,
            toolCalls,
            timeoutMs: options.turnTimeoutMs,
            setScript: (turn) => {
              script = simulatorScript(turn.simulate);
            },
          });
          cases.push(result);
          options.onCase?.(result);
        }
      }
    } finally {
      await workers.stop();
    }
    const passed = cases.filter((c) => c.status === 'passed').length;
    return {
      mode,
      startedAt,
      finishedAt: new Date().toISOString(),
      total: cases.length,
      passed,
      failed: cases.length - passed,
      passRate: cases.length === 0 ? 0 : passed / cases.length,
      cases,
    };
  } finally {
    await runtime?.close();
    await simulator?.close();
  }
}

interface CaseContext {
  suite: EvalSuite;
  testCase: EvalCase;
  tenantSlug: string;
  mode: EvalMode;
  toolCalls: Map<string, ObservedReply['toolCalls']>;
  timeoutMs: number;
  setScript: (turn: EvalTurn) => void;
}

async function runCase(runtime: Runtime, context: CaseContext): Promise<CaseResult> {
  const { db } = runtime.database;
  const { suite, testCase } = context;
  const tenant = await createTenant(
    db,
    { slug: context.tenantSlug, settings: suite.settings },
    { type: 'cli' },
  );
  for (const document of suite.kb) {
    await ingestDocument(db, { tenantId: tenant.id, ...document });
  }
  const failures: CaseFailure[] = [];
  const notes: string[] = [];
  const replies: string[] = [];
  const transcript: Array<{ contact: string; bot: string }> = [];
  const language = typeof suite.settings.language === 'string' ? suite.settings.language : 'pt-BR';
  for (const [index, turn] of testCase.turns.entries()) {
    context.setScript(turn);
    const media = turn.media
      ? mediaPlaceholder(turn.media.type, {
          caption: turn.media.caption ?? (turn.say || undefined),
          fileName: turn.media.file_name,
        })
      : undefined;
    const text = media?.text ?? turn.say;
    let reply: ObservedReply;
    try {
      reply = await exchange(runtime, context, {
        tenantId: tenant.id,
        channel: testCase.channel,
        contact: testCase.contact ?? 'eval-contact',
        text,
        content: media?.content,
      });
    } catch (error) {
      failures.push({
        turn: index + 1,
        say: text,
        expectation: 'a reply',
        expected: `a reply within ${context.timeoutMs} ms`,
        got: (error as Error).message,
      });
      break;
    }
    replies.push(reply.text);
    transcript.push({ contact: text, bot: reply.text });
    for (const failure of await checkReply(reply, turn.expect)) {
      failures.push({ turn: index + 1, say: text, ...failure });
    }
    for (const criterion of turn.expect.judge ?? []) {
      if (context.mode === 'simulator') {
        notes.push(`judge skipped (no model configured): ${criterion}`);
        continue;
      }
      const verdict = await judgeReply(runtime.gateway, {
        tenantId: tenant.id,
        language,
        transcript,
        criterion,
      });
      if (verdict.skipped) notes.push(`judge skipped (${verdict.reason}): ${criterion}`);
      else if (!verdict.pass) {
        failures.push({
          turn: index + 1,
          say: text,
          expectation: `judge ${JSON.stringify(criterion)}`,
          expected: criterion,
          got: `${verdict.reason} — reply: ${JSON.stringify(reply.text)}`,
        });
      }
    }
  }
  return {
    file: suite.file,
    name: testCase.name,
    status: failures.length === 0 ? 'passed' : 'failed',
    turns: testCase.turns.length,
    failures,
    notes,
    replies,
  };
}

/** One contact message in, its turn awaited: the reply, the tools called, who owns the talk now. */
async function exchange(
  runtime: Runtime,
  context: CaseContext,
  message: {
    tenantId: string;
    channel: string;
    contact: string;
    text: string;
    content?: Record<string, unknown>;
  },
): Promise<ObservedReply> {
  const { db } = runtime.database;
  const ingested = await runtime.pipeline.ingest({
    tenantId: message.tenantId,
    channel: message.channel,
    contact: { externalId: message.contact },
    text: message.text,
    content: message.content,
  });
  const deadline = Date.now() + context.timeoutMs;
  for (;;) {
    const [inbound] = await db
      .select({ status: schema.messages.status, turnId: schema.messages.turnId })
      .from(schema.messages)
      .where(eq(schema.messages.id, ingested.messageId));
    if (inbound && ['answered', 'awaiting_human'].includes(inbound.status)) {
      const [reply] = inbound.turnId
        ? await db
            .select({ body: schema.messages.body })
            .from(schema.messages)
            .where(
              and(
                eq(schema.messages.turnId, inbound.turnId),
                eq(schema.messages.direction, 'outbound'),
              ),
            )
        : [];
      const [conversation] = await db
        .select({ controlledBy: schema.conversations.controlledBy })
        .from(schema.conversations)
        .where(eq(schema.conversations.id, ingested.conversationId));
      return {
        text: reply?.body ?? '',
        toolCalls: inbound.turnId ? (context.toolCalls.get(inbound.turnId) ?? []) : [],
        handedOver: conversation?.controlledBy !== 'bot',
      };
    }
    const failedTurn = await failedTurnSince(runtime, ingested.conversationId, ingested.messageId);
    if (failedTurn) throw new Error(`the turn failed: ${failedTurn}`);
    if (Date.now() > deadline) {
      throw new Error(
        `no reply within ${context.timeoutMs} ms (message ${inbound?.status ?? 'missing'})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The responder threw (a bug, not a model outage, which the gateway answers itself). */
async function failedTurnSince(
  runtime: Runtime,
  conversationId: string,
  messageId: string,
): Promise<string | undefined> {
  const { db } = runtime.database;
  const [message] = await db
    .select({ createdAt: schema.messages.createdAt })
    .from(schema.messages)
    .where(eq(schema.messages.id, messageId));
  if (!message) return undefined;
  const [turn] = await db
    .select({ error: schema.turns.error })
    .from(schema.turns)
    .where(
      and(
        eq(schema.turns.conversationId, conversationId),
        inArray(schema.turns.status, ['failed']),
        gt(schema.turns.startedAt, message.createdAt),
      ),
    )
    .limit(1);
  return turn ? (turn.error ?? 'unknown error') : undefined;
}

/** The gateway as the agents get it, noting the tools each turn's model calls asked for. */
function recordingGateway(
  gateway: Gateway,
  calls: Map<string, ObservedReply['toolCalls']>,
): Pick<Gateway, 'generate' | 'languageModel'> {
  const note = (
    turnId: string | undefined,
    phase: string | undefined,
    seen: ObservedReply['toolCalls'],
  ) => {
    if (!turnId || phase === 'route') return;
    calls.set(turnId, [...(calls.get(turnId) ?? []), ...seen]);
  };
  const record = (request: GatewayRequest, result: GatewayResult) =>
    note(
      request.turnId,
      request.phase,
      result.toolCalls.map((c) => ({ name: c.toolName, input: c.input })),
    );
  // The agents' tool loop calls the model itself: its calls are read off each model answer.
  const languageModel = wrapLanguageModel({
    model: gateway.languageModel,
    middleware: {
      specificationVersion: 'v3',
      wrapGenerate: async ({ doGenerate, params }) => {
        const result = await doGenerate();
        const { turnId, phase } = (params.providerOptions?.omni ?? {}) as GatewayCallOptions;
        note(
          turnId,
          phase,
          result.content.flatMap((part) =>
            part.type === 'tool-call'
              ? [{ name: part.toolName, input: parsedInput(part.input) }]
              : [],
          ),
        );
        return result;
      },
    },
  });
  const generate: Gateway['generate'] = async (request, policy) => {
    const result = await gateway.generate(request, policy);
    record(request, result);
    return result;
  };
  return { languageModel, generate };
}

/**
 * The in-memory instance's configuration. Scripted: nothing of the instance but its agent
 * thresholds, so a run is the same on every machine. With providers: the instance's, minus its
 * storage, queue and integrations (an eval must never post to the team's Slack). The response
 * cache is off in both: an eval measures the agents, and a case must not get another's answer.
 */
function runtimeConfig(config: Config, simulator: LlmSimulator | undefined): Config {
  if (simulator) {
    return loadConfig({
      ESCALATION_MIN_CONFIDENCE: String(config.ESCALATION_MIN_CONFIDENCE),
      ESCALATION_MAX_INTERACTIONS: String(config.ESCALATION_MAX_INTERACTIONS),
      AGENT_MAX_INPUT_CHARS: String(config.AGENT_MAX_INPUT_CHARS),
      LOG_LEVEL: config.LOG_LEVEL,
      DEBOUNCE_MS: '0',
      DEBOUNCE_MAX_MS: '0',
      OPENAI_API_KEY: SIMULATOR_KEY,
      OPENAI_BASE_URL: `${simulator.url}/v1`,
      PROVIDER_PRIORITY_ORDER: 'openai',
      CACHE_TTL: '0',
    });
  }
  return {
    ...config,
    DEBOUNCE_MS: 0,
    DEBOUNCE_MAX_MS: 0,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    QUEUE_BACKEND: undefined,
    SLACK_WEBHOOK_URL: undefined,
    CHATWOOT_URL: undefined,
    ENABLE_INTEGRATIONS: false,
    OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
    OTEL_METRICS: false,
    CACHE_TTL: 0,
  };
}

/** A model's tool input is JSON text; what it could not write as JSON is shown as it came. */
function parsedInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
