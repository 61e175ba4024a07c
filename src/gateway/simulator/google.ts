/**
 * Google Gemini wire format as `@ai-sdk/google` speaks it: `POST /v1beta/models/<model>:generateContent`
 * (JSON) and `:streamGenerateContent?alt=sse` (SSE, `data: {chunk}` with no terminator; the last
 * chunk carries `finishReason` and `usageMetadata`), the key in `x-goog-api-key`, and the
 * `{ error: { code, message, status } }` error body. Tool calls are `functionCall` parts, which
 * carry no id: the SDK makes one up.
 */
import { chunksOf, contentText, type SimAnswer, type SimPrompt } from './answer.ts';

interface GeminiPart {
  text?: string;
  functionCall?: unknown;
  functionResponse?: unknown;
}

interface GenerateContentBody {
  contents?: Array<{ role?: string; parts?: GeminiPart[] }>;
  systemInstruction?: { parts?: GeminiPart[] };
  tools?: Array<{ functionDeclarations?: Array<{ name?: string }> }>;
}

/** Google's status names for the HTTP statuses the simulator answers. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export const googleFormat = {
  name: 'google' as const,
  /** The model and the method share the last segment (`gemini-2.5-flash:generateContent`). */
  path: '/v1beta/models/:call',

  apiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
    const value = headers['x-goog-api-key'];
    return typeof value === 'string' ? value : undefined;
  },

  prompt(raw: unknown): SimPrompt {
    const body = (raw ?? {}) as GenerateContentBody;
    const contents = body.contents ?? [];
    // A tool result comes back as a `user` turn of functionResponse parts: not the user's words.
    const userTexts = contents.filter(
      (c) => c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string'),
    );
    return {
      allText: [
        contentText(body.systemInstruction?.parts),
        ...contents.map((c) => contentText(c.parts)),
      ].join('\n'),
      lastUserText: contentText(userTexts[userTexts.length - 1]?.parts),
      toolNames: (body.tools ?? [])
        .flatMap((t) => t.functionDeclarations ?? [])
        .map((f) => f.name ?? '')
        .filter(Boolean),
    };
  },

  /** Streaming is a different method, not a body field. */
  wantsStream: (_raw: unknown, url = '') => url.includes(':streamGenerateContent'),

  modelOf: (url: string) => /models\/([^/:?]+)/.exec(url)?.[1],

  json(answer: SimAnswer, _raw: unknown, id: string) {
    return {
      responseId: id,
      candidates: [{ content: contentOf(answer), finishReason: 'STOP', index: 0 }],
      usageMetadata: usageOf(answer),
    };
  },

  events(answer: SimAnswer, _raw: unknown, id: string): string[] {
    const chunk = (data: object) => `data: ${JSON.stringify({ responseId: id, ...data })}\n\n`;
    if (answer.toolCall) {
      return [
        chunk({
          candidates: [{ content: contentOf(answer), finishReason: 'STOP', index: 0 }],
          usageMetadata: usageOf(answer),
        }),
      ];
    }
    const pieces = chunksOf(answer.text);
    if (pieces.length === 0) pieces.push('');
    return pieces.map((piece, i) =>
      i < pieces.length - 1
        ? chunk({
            candidates: [{ content: { role: 'model', parts: [{ text: piece }] }, index: 0 }],
          })
        : chunk({
            candidates: [
              {
                content: { role: 'model', parts: [{ text: piece }] },
                finishReason: 'STOP',
                index: 0,
              },
            ],
            usageMetadata: usageOf(answer),
          }),
    );
  },

  error(status: number, message: string) {
    return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
  },
};

function contentOf(answer: SimAnswer) {
  return {
    role: 'model',
    parts: answer.toolCall
      ? [{ functionCall: { name: answer.toolCall.name, args: answer.toolCall.input } }]
      : [{ text: answer.text }],
  };
}

function usageOf(answer: SimAnswer) {
  return {
    // Like OpenAI, Google counts cached tokens inside promptTokenCount.
    promptTokenCount: answer.usage.input,
    candidatesTokenCount: answer.usage.output,
    totalTokenCount: answer.usage.input + answer.usage.output,
    cachedContentTokenCount: answer.usage.cached,
  };
}
