/**
 * The LLM simulator (SPEC §5.5, `omni sim llm`): a real HTTP server speaking OpenAI
 * chat-completions (also what xAI, Ollama and OpenAI-compatible servers speak), Anthropic messages
 * and Google generateContent, scriptable per run and per request (`x-sim-*` headers).
 * Omni reaches it like a real provider, through OPENAI_BASE_URL / ANTHROPIC_BASE_URL / … set to
 * `<url>/v1` (Google: `<url>/v1beta`); `POST /v1/embeddings` answers with deterministic vectors
 * (embeddings.ts) and `POST /v1/audio/transcriptions` with scripted or embedded text
 * (transcription.ts). It records every request so tests and benchmarks can count them.
 *
 * Control endpoints for a simulator in another process: `GET /_sim/requests`,
 * `DELETE /_sim/requests`, `PUT /_sim/behaviour` (a JSON SimBehaviour).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { simAnswer } from './answer.ts';
import { anthropicFormat } from './anthropic.ts';
import { behaviourFromHeaders, type SimBehaviour } from './behaviour.ts';
import { embeddingsResponse } from './embeddings.ts';
import { googleFormat } from './google.ts';
import { openaiFormat } from './openai.ts';
import { serveTranscriptions, type TranscriptionControl } from './transcription.ts';

export { parseToolCall, parseUsage, type SimBehaviour } from './behaviour.ts';
export {
  embeddedTranscript,
  type TranscriptionBehaviour,
  type TranscriptionControl,
} from './transcription.ts';

export interface SimRequest {
  format: 'openai' | 'anthropic' | 'google' | 'embeddings';
  model?: string;
  stream: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
  /** Set when the client closed the connection before an answer was sent (a timeout, an abort). */
  abandoned?: boolean;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** The per-run behaviour. */
  behaviour?: SimBehaviour;
  /** Accepted API keys; others get 401. Absent: any key is accepted. */
  apiKeys?: string[];
  /** For error rates; default Math.random. */
  random?: () => number;
  /**
   * Per-request behaviour decided in-process (tests scripting a conversation: route, call a
   * tool, then answer); it wins over the per-run behaviour, `x-sim-*` headers win over it.
   */
  script?: (request: { body: unknown; sequence: number }) => SimBehaviour | undefined;
}

export interface LlmSimulator {
  /** `http://host:port`; providers take `${url}/v1` as their base URL. */
  url: string;
  port: number;
  requests: SimRequest[];
  count(format?: SimRequest['format']): number;
  /** Replaces the per-run behaviour. */
  behave(behaviour: SimBehaviour): void;
  /** Speech to text (`/v1/audio/transcriptions`): its requests and behaviour. */
  transcription: TranscriptionControl;
  close(): Promise<void>;
}

type Format = typeof openaiFormat | typeof anthropicFormat | typeof googleFormat;

export async function startLlmSimulator(options: SimulatorOptions = {}): Promise<LlmSimulator> {
  const random = options.random ?? Math.random;
  let runBehaviour: SimBehaviour = { ...options.behaviour };
  const requests: SimRequest[] = [];
  // Closing must not wait for requests that are hanging on purpose.
  // Imported here: simulators run only in `omni sim`, evals and benches, and a worker that loads
  // this module would otherwise carry Fastify (~9 MB of RSS) for nothing.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });

  const handle = (format: Format) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body;
    const stream = format.wantsStream(body, request.url);
    const record: SimRequest = {
      format: format.name,
      model:
        'modelOf' in format
          ? format.modelOf(request.url)
          : (body as { model?: string } | undefined)?.model,
      stream,
      headers: request.headers,
      body,
      at: Date.now(),
    };
    requests.push(record);
    const sequence = requests.length;
    const behaviour: SimBehaviour = {
      ...runBehaviour,
      ...options.script?.({ body, sequence }),
      ...behaviourFromHeaders(request.headers),
    };
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) record.abandoned = true;
      gone.abort();
    });

    if (options.apiKeys && !options.apiKeys.includes(format.apiKey(request.headers) ?? '')) {
      return reply.status(401).send(format.error(401, 'Incorrect API key provided (simulator).'));
    }
    if (behaviour.hang) {
      await new Promise((resolve) =>
        gone.signal.addEventListener('abort', resolve, { once: true }),
      );
      return reply;
    }
    if (behaviour.latencyMs) {
      await sleep(behaviour.latencyMs, undefined, { signal: gone.signal }).catch(() => {});
      if (gone.signal.aborted) return reply;
    }
    const status =
      behaviour.status ?? (behaviour.errorRate && random() < behaviour.errorRate ? 500 : 200);
    if (status >= 400) {
      if (behaviour.retryAfterS !== undefined && (status === 429 || status === 503)) {
        reply.header('retry-after', String(behaviour.retryAfterS));
      }
      return reply.status(status).send(format.error(status, `Simulated ${status}.`));
    }

    const answer = simAnswer(format.prompt(body), behaviour, sequence);
    const id = `sim-${sequence}`;
    if (!stream) return reply.send(format.json(answer, body, id));
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    for (const event of format.events(answer, body, id)) {
      if (gone.signal.aborted) return;
      reply.raw.write(event);
    }
    reply.raw.end();
  };

  app.post(openaiFormat.path, handle(openaiFormat));
  app.post(anthropicFormat.path, handle(anthropicFormat));
  app.post(googleFormat.path, handle(googleFormat));
  app.post('/v1/embeddings', async (request) => {
    const body = request.body as { model?: string } | undefined;
    requests.push({
      format: 'embeddings',
      model: body?.model,
      stream: false,
      headers: request.headers,
      body,
      at: Date.now(),
    });
    return embeddingsResponse(body);
  });
  const transcription = serveTranscriptions(app);
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: 'sim', object: 'model', owned_by: 'omni-simulator' }],
  }));
  app.get('/_sim/requests', async () => ({
    count: requests.length,
    requests: requests.map(({ headers: _headers, ...rest }) => rest),
  }));
  app.delete('/_sim/requests', async () => {
    requests.length = 0;
    return { count: 0 };
  });
  app.put('/_sim/behaviour', async (request) => {
    runBehaviour = { ...(request.body as SimBehaviour) };
    return runBehaviour;
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    count: (format) =>
      format ? requests.filter((r) => r.format === format).length : requests.length,
    behave: (behaviour) => {
      runBehaviour = { ...behaviour };
    },
    transcription,
    close: () => app.close(),
  };
}
