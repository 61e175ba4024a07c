/**
 * OpenAI chat-completions wire format (`POST /v1/chat/completions`): the JSON answer, the SSE
 * stream (`data: {chunk}` … `data: [DONE]`, usage in a last chunk with empty `choices` when
 * `stream_options.include_usage`), and the `{ error: { message, type, code } }` error body.
 */
import { chunksOf, contentText, type SimAnswer, type SimPrompt } from './answer.ts';

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  tools?: Array<{ function?: { name?: string } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

export const openaiFormat = {
  name: 'openai' as const,
  path: '/v1/chat/completions',

  apiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
    const value = headers.authorization;
    return typeof value === 'string' ? value.replace(/^Bearer\s+/i, '') : undefined;
  },

  prompt(raw: unknown): SimPrompt {
    const body = (raw ?? {}) as ChatBody;
    const messages = body.messages ?? [];
    const users = messages.filter((m) => m.role === 'user');
    return {
      allText: messages.map((m) => contentText(m.content)).join('\n'),
      lastUserText: contentText(users[users.length - 1]?.content),
      toolNames: (body.tools ?? []).map((t) => t.function?.name ?? '').filter(Boolean),
    };
  },

  wantsStream: (raw: unknown) => Boolean((raw as ChatBody | undefined)?.stream),

  json(answer: SimAnswer, raw: unknown, id: string) {
    const body = (raw ?? {}) as ChatBody;
    return {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'sim',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.toolCall ? null : answer.text,
            ...(answer.toolCall
              ? {
                  tool_calls: [
                    {
                      id: answer.toolCall.id,
                      type: 'function',
                      function: {
                        name: answer.toolCall.name,
                        arguments: JSON.stringify(answer.toolCall.input),
                      },
                    },
                  ],
                }
              : {}),
          },
          finish_reason: answer.toolCall ? 'tool_calls' : 'stop',
        },
      ],
      usage: usageOf(answer),
    };
  },

  /** The SSE `data:` payloads, in order. */
  events(answer: SimAnswer, raw: unknown, id: string): string[] {
    const body = (raw ?? {}) as ChatBody;
    const base = {
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'sim',
    };
    const chunk = (delta: object, finish: string | null = null) =>
      JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [chunk({ role: 'assistant', content: '' })];
    if (answer.toolCall) {
      events.push(
        chunk({
          tool_calls: [
            {
              index: 0,
              id: answer.toolCall.id,
              type: 'function',
              function: {
                name: answer.toolCall.name,
                arguments: JSON.stringify(answer.toolCall.input),
              },
            },
          ],
        }),
      );
    } else {
      for (const piece of chunksOf(answer.text)) events.push(chunk({ content: piece }));
    }
    events.push(chunk({}, answer.toolCall ? 'tool_calls' : 'stop'));
    if (body.stream_options?.include_usage) {
      events.push(JSON.stringify({ ...base, choices: [], usage: usageOf(answer) }));
    }
    events.push('[DONE]');
    return events.map((data) => `data: ${data}\n\n`);
  },

  error(status: number, message: string) {
    const type =
      status === 429
        ? 'rate_limit_exceeded'
        : status === 401
          ? 'invalid_api_key'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error';
    return { error: { message, type, param: null, code: type } };
  },
};

function usageOf(answer: SimAnswer) {
  return {
    prompt_tokens: answer.usage.input,
    completion_tokens: answer.usage.output,
    total_tokens: answer.usage.input + answer.usage.output,
    prompt_tokens_details: { cached_tokens: answer.usage.cached },
  };
}
