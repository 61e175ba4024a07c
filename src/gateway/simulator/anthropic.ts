/**
 * Anthropic messages wire format (`POST /v1/messages`): the JSON message, the SSE stream
 * (message_start, content_block_start/delta/stop, message_delta with output usage, message_stop)
 * and the `{ type: 'error', error: { type, message } }` error body.
 */
import { chunksOf, contentText, type SimAnswer, type SimPrompt } from './answer.ts';

interface MessagesBody {
  model?: string;
  system?: unknown;
  messages?: Array<{ role?: string; content?: unknown }>;
  tools?: Array<{ name?: string }>;
  stream?: boolean;
}

export const anthropicFormat = {
  name: 'anthropic' as const,
  path: '/v1/messages',

  apiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
    const value = headers['x-api-key'];
    return typeof value === 'string' ? value : undefined;
  },

  prompt(raw: unknown): SimPrompt {
    const body = (raw ?? {}) as MessagesBody;
    const messages = body.messages ?? [];
    const users = messages.filter((m) => m.role === 'user');
    return {
      allText: [contentText(body.system), ...messages.map((m) => contentText(m.content))].join(
        '\n',
      ),
      lastUserText: contentText(users[users.length - 1]?.content),
      toolNames: (body.tools ?? []).map((t) => t.name ?? '').filter(Boolean),
    };
  },

  wantsStream: (raw: unknown) => Boolean((raw as MessagesBody | undefined)?.stream),

  json(answer: SimAnswer, raw: unknown, id: string) {
    const body = (raw ?? {}) as MessagesBody;
    return {
      id,
      type: 'message',
      role: 'assistant',
      model: body.model ?? 'sim',
      content: answer.toolCall
        ? [
            {
              type: 'tool_use',
              id: answer.toolCall.id,
              name: answer.toolCall.name,
              input: answer.toolCall.input,
            },
          ]
        : [{ type: 'text', text: answer.text }],
      stop_reason: answer.toolCall ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: usageOf(answer),
    };
  },

  events(answer: SimAnswer, raw: unknown, id: string): string[] {
    const body = (raw ?? {}) as MessagesBody;
    const event = (type: string, data: object) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const { output_tokens, ...inputUsage } = usageOf(answer);
    const events = [
      event('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: body.model ?? 'sim',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...inputUsage, output_tokens: 1 },
        },
      }),
    ];
    if (answer.toolCall) {
      const { id: toolId, name, input } = answer.toolCall;
      events.push(
        event('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: toolId, name, input: {} },
        }),
        event('content_block_delta', {
          index: 0,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) },
        }),
      );
    } else {
      events.push(
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      );
      for (const piece of chunksOf(answer.text)) {
        events.push(
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }),
        );
      }
    }
    events.push(
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: answer.toolCall ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens },
      }),
      event('message_stop', {}),
    );
    return events;
  },

  error(status: number, message: string) {
    const type =
      status === 429
        ? 'rate_limit_error'
        : status === 401
          ? 'authentication_error'
          : status === 529
            ? 'overloaded_error'
            : status >= 500
              ? 'api_error'
              : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  },
};

function usageOf(answer: SimAnswer) {
  return {
    // Anthropic reports cache reads apart from input_tokens (which excludes them).
    input_tokens: answer.usage.input - answer.usage.cached,
    cache_read_input_tokens: answer.usage.cached,
    cache_creation_input_tokens: 0,
    output_tokens: answer.usage.output,
  };
}
