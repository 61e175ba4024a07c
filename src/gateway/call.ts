/**
 * One attempt against one provider through the AI SDK, streamed or not, with SDK retries off: the
 * cascade decides what happens after a failure. Returns the text, tool calls and reported usage.
 */
import { generateText, type LanguageModel, type LanguageModelUsage, streamText } from 'ai';
import type { GatewayRequest, TokenUsage, ToolCallResult } from './types.ts';

export interface CallOutput {
  text: string;
  toolCalls: ToolCallResult[];
  usage: TokenUsage;
}

/** Thrown when a stream failed after some text was already handed to `onText`. */
export class StreamInterrupted extends Error {
  constructor(cause: unknown) {
    super('the stream failed after output had started', { cause });
    this.name = 'StreamInterrupted';
  }
}

export function toTokenUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.inputTokenDetails?.cacheReadTokens ?? 0,
  };
}

export async function callModel(
  model: LanguageModel,
  request: GatewayRequest,
  maxTokens: number,
  signal: AbortSignal,
): Promise<CallOutput> {
  const common = {
    model,
    system: request.system,
    messages: request.messages,
    tools: request.tools,
    maxOutputTokens: maxTokens,
    maxRetries: 0,
    abortSignal: signal,
    // The SDK's spans nest under the turn's; prompts and answers stay out of traces (they hold PII).
    experimental_telemetry: { isEnabled: true, recordInputs: false, recordOutputs: false },
  };
  if (!request.stream) {
    const result = await generateText(common);
    return {
      text: result.text,
      toolCalls: result.toolCalls.map(toToolCall),
      usage: toTokenUsage(result.usage),
    };
  }

  // Errors arrive as stream parts; `onError` only silences the SDK's console logging of them.
  const result = streamText({ ...common, onError: () => {} });
  let text = '';
  const toolCalls: ToolCallResult[] = [];
  let usage: LanguageModelUsage | undefined;
  const fail = (error: unknown): never => {
    throw text ? new StreamInterrupted(error) : error;
  };
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') {
      text += part.text;
      request.onText?.(part.text);
    } else if (part.type === 'tool-call') toolCalls.push(toToolCall(part));
    else if (part.type === 'finish') usage = part.totalUsage;
    else if (part.type === 'error') fail(part.error);
    else if (part.type === 'abort') fail(signal.reason ?? new Error('aborted'));
  }
  return { text, toolCalls, usage: toTokenUsage(usage) };
}

function toToolCall(call: {
  toolCallId: string;
  toolName: string;
  input: unknown;
}): ToolCallResult {
  return { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input };
}
