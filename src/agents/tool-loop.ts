/**
 * The agent's tool loop is the AI SDK's: `generateText` on the gateway's model with the agent's
 * tools and `stopWhen`. What stays ours is the gate every call goes through: each call the model
 * makes runs through `run` (tools.ts: only the offered tools, arguments checked, scoped to the
 * turn's contact), one at a time and in the model's order; a call the SDK could not match to a
 * tool or whose arguments do not parse is refused the same way, never run.
 *
 * The loop stops after MAX_AGENT_STEPS model calls (the last one offered no tools, so it must
 * answer), once a tool handed the conversation to a person, or when a tool failed outright (its
 * error ends the turn, as the pipeline retries turns).
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { generateText, type ModelMessage, stepCountIs, type ToolSet } from 'ai';
import {
  type FallbackReason,
  type GatewayCallOptions,
  gatewayMetadataOf,
  gatewayProviderOptions,
  type ProviderName,
} from '../gateway/index.ts';
import type { ToolEffect } from './tools.ts';

/** Model calls per turn for the agent: call tools, read results, call again, answer. */
export const MAX_AGENT_STEPS = 4;

export interface ToolRun {
  output: string;
  effect: ToolEffect;
}

export interface AgentLoopInput {
  model: LanguageModelV3;
  /** The turn's context for the gateway; each step adds its phase. */
  call: GatewayCallOptions;
  system: string;
  messages: ModelMessage[];
  /** What the model sees: names, descriptions, argument schemas. */
  tools: ToolSet;
  /** Runs one call through the tools' gate. */
  run(name: string, input: unknown): Promise<ToolRun>;
  /** A call the SDK rejected (no such tool, arguments that do not parse): refused, not run. */
  refuse(name: string, input: unknown, problem: string): Promise<ToolRun>;
  /** Every call, run or refused, as it happens. */
  onToolCall(name: string, effect: ToolEffect): void;
  signal: AbortSignal;
}

/** One model answer of the loop, as the responder accounts for it. */
export interface StepAnswer {
  text: string;
  provider: ProviderName;
  model: string;
  fallback?: FallbackReason;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AgentLoopResult {
  /** The answer that ended the loop: a step that called no tool, or the offline responder's. */
  final?: StepAnswer;
  steps: StepAnswer[];
  effects: ToolEffect[];
}

export async function runAgentLoop(input: AgentLoopInput): Promise<AgentLoopResult> {
  const effects: ToolEffect[] = [];
  let failure: { error: unknown } | undefined;
  // The SDK starts a step's tool calls together; ours run one after another, in the model's
  // order (two lead updates in one step must not race each other).
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch(() => {});
    return next;
  };
  const note = (name: string, ran: ToolRun) => {
    effects.push(ran.effect);
    input.onToolCall(name, ran.effect);
    return ran.output;
  };

  const tools: ToolSet = Object.fromEntries(
    Object.entries(input.tools).map(([name, offered]) => [
      name,
      {
        ...offered,
        execute: (args: unknown) =>
          serially(async () => {
            try {
              return note(name, await input.run(name, args));
            } catch (error) {
              failure = { error };
              throw error;
            }
          }),
      },
    ]),
  );

  const result = await generateText({
    model: input.model,
    system: input.system,
    messages: input.messages,
    tools,
    stopWhen: [
      stepCountIs(MAX_AGENT_STEPS),
      () => effects.some((e) => e.kind === 'handoff'),
      () => failure !== undefined,
    ],
    prepareStep: ({ stepNumber }) => ({
      providerOptions: gatewayProviderOptions({
        ...input.call,
        phase: stepNumber === 0 ? 'reply' : 'reply_after_tools',
      }),
      // The last step is offered no tool: it answers with what the others found.
      ...(stepNumber === MAX_AGENT_STEPS - 1 ? { activeTools: [] } : {}),
    }),
    // The gateway's cascade decides what happens after a failure, not the SDK's retries.
    maxRetries: 0,
    abortSignal: input.signal,
    // The SDK's spans nest under the turn's; prompts and answers stay out of traces (PII).
    experimental_telemetry: { isEnabled: true, recordInputs: false, recordOutputs: false },
    onStepFinish: async (step) => {
      for (const call of step.toolCalls) {
        if (!call.invalid) continue;
        const problem = call.error instanceof Error ? call.error.message : String(call.error);
        note(call.toolName, await input.refuse(call.toolName, call.input, problem));
      }
    },
  });
  if (failure) throw failure.error;

  const steps = result.steps.map((step): StepAnswer => {
    const omni = gatewayMetadataOf(step.providerMetadata);
    return {
      text: step.text,
      provider: omni.provider ?? 'local',
      model: omni.model ?? 'offline',
      fallback: omni.fallback,
      inputTokens: omni.fallback ? 0 : (step.usage.inputTokens ?? 0),
      outputTokens: omni.fallback ? 0 : (step.usage.outputTokens ?? 0),
      costUsd: omni.costUsd ?? 0,
    };
  });
  const last = result.steps.at(-1);
  const lastAnswer = steps.at(-1);
  const final =
    last && lastAnswer && (lastAnswer.fallback || last.toolCalls.length === 0)
      ? lastAnswer
      : undefined;
  return { final, steps, effects };
}
