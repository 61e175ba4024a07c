/**
 * Sending through Evolution API v2: `POST {EVOLUTION_URL}/message/sendText/{instance}` with the
 * `apikey` header; the answer's `key.id` is recorded so the `fromMe` echo of this send is
 * recognised. Health asks `/instance/connectionState/{instance}`: anything but `open` means the
 * phone is not connected and nothing can be sent. Media the webhook did not carry is fetched with
 * `POST /chat/getBase64FromMediaMessage/{instance}`, giving back the whole message so Evolution
 * needs nothing from its own database.
 */
import type { AdapterDeps } from '../adapter-deps.ts';
import { deliverInParts } from '../deliveries.ts';
import { callProvider } from '../provider-call.ts';
import type { ChannelSettings } from '../settings.ts';
import { type ChannelAdapter, ChannelError, type ChannelHealth } from '../types.ts';
import { EVOLUTION_CHANNEL, evolutionSpec } from './spec.ts';

interface EvolutionTarget {
  url: string;
  apiKey: string;
  instance: string;
}

function targetOf(settings: ChannelSettings): EvolutionTarget | undefined {
  const { EVOLUTION_URL: url, EVOLUTION_API_KEY: apiKey, EVOLUTION_INSTANCE: instance } = settings;
  return url && apiKey && instance ? { url, apiKey, instance } : undefined;
}

export function createEvolutionChannel(deps: AdapterDeps): ChannelAdapter {
  let lastState: string | undefined;
  return {
    channel: EVOLUTION_CHANNEL,
    async send(message, signal) {
      const target = targetOf(await deps.settingsOf(message.tenantId));
      if (!target) {
        throw new ChannelError(
          'WhatsApp (Evolution) replies need EVOLUTION_URL, EVOLUTION_API_KEY and EVOLUTION_INSTANCE.',
          { retryable: false },
        );
      }
      return deliverInParts(deps, {
        channel: EVOLUTION_CHANNEL,
        sender: target.instance,
        textLimit: evolutionSpec.textLimit,
        message,
        signal,
        sendPart: async (text, partSignal) => {
          const sent = await callProvider<{ key?: { id?: string } }>({
            provider: 'Evolution API',
            url: `${target.url}/message/sendText/${encodeURIComponent(target.instance)}`,
            headers: { apikey: target.apiKey },
            body: { number: message.to, text },
            signal: partSignal,
            timeoutMs: deps.timeoutMs,
            classify: evolutionSpec.classify,
          });
          return sent?.key?.id;
        },
      });
    },
    async fetchMedia(tenantId, source, signal) {
      const target = targetOf(await deps.settingsOf(tenantId));
      if (!target) {
        throw new ChannelError('Evolution is not configured: the media cannot be fetched.', {
          retryable: false,
        });
      }
      // The webhook did not carry the file (`base64` off, or it failed there): ask Evolution for it.
      const answer = await callProvider<{ base64?: string; mimetype?: string }>({
        provider: 'Evolution API',
        url: `${target.url}/chat/getBase64FromMediaMessage/${encodeURIComponent(target.instance)}`,
        headers: { apikey: target.apiKey },
        body: { message: source, convertToMp4: false },
        signal,
        timeoutMs: deps.timeoutMs,
        classify: evolutionSpec.classify,
      });
      if (!answer?.base64) {
        throw new ChannelError('Evolution API answered without the file.', { retryable: false });
      }
      return {
        bytes: new Uint8Array(Buffer.from(answer.base64, 'base64')),
        mimeType: answer.mimetype,
      };
    },
    async health(): Promise<ChannelHealth> {
      const target = targetOf(deps.defaults);
      if (!target) return { status: 'down', error: 'Evolution is not configured.' };
      let state: string;
      try {
        const answer = await callProvider<{ instance?: { state?: string }; state?: string }>({
          provider: 'Evolution API',
          method: 'GET',
          url: `${target.url}/instance/connectionState/${encodeURIComponent(target.instance)}`,
          headers: { apikey: target.apiKey },
          timeoutMs: Math.min(deps.timeoutMs, 2_000),
          classify: evolutionSpec.classify,
        });
        state = answer?.instance?.state ?? answer?.state ?? 'unknown';
      } catch (error) {
        state = 'unreachable';
        noteState(state, (error as Error).message);
        return { status: 'down', instance: target.instance, error: (error as Error).message };
      }
      noteState(state);
      return state === 'open'
        ? { status: 'up', instance: target.instance, state }
        : {
            status: 'down',
            instance: target.instance,
            state,
            error: `WhatsApp not connected (instance "${target.instance}" is ${state}).`,
          };
    },
  };

  /** Logs a change of connection state once, not on every probe. */
  function noteState(state: string, detail?: string): void {
    if (state === lastState) return;
    lastState = state;
    if (state === 'open') deps.logger.info({ channel: EVOLUTION_CHANNEL }, 'WhatsApp connected');
    else
      deps.logger.warn(
        { channel: EVOLUTION_CHANNEL, state, err: detail },
        'WhatsApp not connected',
      );
  }
}
