/**
 * The LLM simulator's speech to text: OpenAI's `POST /v1/audio/transcriptions` (multipart: `file`,
 * `model`, optional `language`, `response_format`), as the AI SDK's `experimental_transcribe`
 * sends it. The text comes from, in order: the per-run script, a text track embedded in the audio
 * itself (a `TRANSCRIPT=` comment, as an Ogg Opus file's OpusTags carry it: test fixtures record
 * what they say), or a fixed sentence. Faults: latency, an error status, a hang.
 *
 * Control: `PUT /_sim/transcription` (a JSON TranscriptionBehaviour).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export interface TranscriptionBehaviour {
  /** Fixed transcript, whatever the audio says. */
  text?: string;
  /** Delay before answering. */
  latencyMs?: number;
  /** Answer this HTTP status with OpenAI's error body. */
  status?: number;
  /** Never answer. */
  hang?: boolean;
}

export interface TranscriptionRequest {
  model?: string;
  language?: string;
  responseFormat?: string;
  fileName?: string;
  bytes: number;
  at: number;
}

export interface TranscriptionControl {
  /** Every transcription request, in order. */
  requests: TranscriptionRequest[];
  behave(behaviour: TranscriptionBehaviour): void;
}

/** The text an audio file carries in a `TRANSCRIPT=` comment (Vorbis/Opus comments are length-prefixed). */
export function embeddedTranscript(audio: Uint8Array): string | undefined {
  const buffer = Buffer.from(audio);
  const at = buffer.indexOf('TRANSCRIPT=');
  if (at < 4) return undefined;
  const length = buffer.readUInt32LE(at - 4);
  if (length <= 11 || at + length > buffer.length) return undefined;
  return buffer.subarray(at + 11, at + length).toString('utf8');
}

const LANGUAGES: Record<string, string> = { pt: 'portuguese', en: 'english', es: 'spanish' };

export function serveTranscriptions(app: FastifyInstance): TranscriptionControl {
  let behaviour: TranscriptionBehaviour = {};
  const requests: TranscriptionRequest[] = [];
  void app.register(async (scope) => {
    // Only this route reads multipart bodies; the rest of the simulator stays JSON.
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer' },
      (_request, body, done) => done(null, body),
    );
    scope.post('/v1/audio/transcriptions', async (request, reply) => {
      const form = await new Response(new Uint8Array(request.body as Buffer), {
        headers: { 'content-type': String(request.headers['content-type']) },
      }).formData();
      const file = form.get('file');
      const audio = file instanceof Blob ? new Uint8Array(await file.arrayBuffer()) : undefined;
      const field = (name: string) => {
        const value = form.get(name);
        return typeof value === 'string' ? value : undefined;
      };
      const language = field('language');
      const responseFormat = field('response_format');
      requests.push({
        model: field('model'),
        language,
        responseFormat,
        fileName: file instanceof File ? file.name : undefined,
        bytes: audio?.byteLength ?? 0,
        at: Date.now(),
      });
      const now = behaviour;
      if (now.hang) {
        await new Promise((resolve) => reply.raw.once('close', resolve));
        return reply;
      }
      if (now.latencyMs) await sleep(now.latencyMs);
      if (!audio) return reply.status(400).send(openaiError('file is required'));
      if (now.status && now.status >= 400) {
        return reply.status(now.status).send(openaiError(`Simulated ${now.status}.`));
      }
      const text =
        now.text ?? embeddedTranscript(audio) ?? 'Simulated transcript of a voice message.';
      if (responseFormat === 'verbose_json') {
        return {
          task: 'transcribe',
          language: LANGUAGES[language ?? 'pt'] ?? 'portuguese',
          duration: 4,
          text,
          segments: [
            {
              id: 0,
              seek: 0,
              start: 0,
              end: 4,
              text,
              tokens: [],
              temperature: 0,
              avg_logprob: -0.2,
              compression_ratio: 1,
              no_speech_prob: 0.01,
            },
          ],
          usage: { type: 'duration', seconds: 4 },
        };
      }
      return { text };
    });
    scope.put('/_sim/transcription', async (request) => {
      behaviour = { ...(request.body as TranscriptionBehaviour) };
      return behaviour;
    });
  });
  return {
    requests,
    behave: (next) => {
      behaviour = { ...next };
    },
  };
}

function openaiError(message: string) {
  return { error: { message, type: 'invalid_request_error', param: null, code: null } };
}
