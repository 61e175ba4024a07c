/**
 * Sending through the Graph API (SPEC §6.2): `POST {WHATSAPP_GRAPH_URL}/{phone-number-id}/messages`
 * with the access token. The answer's `messages[0].id` (a wamid) is recorded so status webhooks
 * find the message. A send refused because the 24-hour window closed cannot be retried by the bot:
 * the conversation is handed to a person, who can reach the contact with a template.
 */
import { requestHandoff } from '../../handoff/index.ts';
import type { AdapterDeps } from '../adapter-deps.ts';
import { deliverInParts } from '../deliveries.ts';
import { callProvider, downloadFromProvider } from '../provider-call.ts';
import type { ChannelSettings } from '../settings.ts';
import { type ChannelAdapter, ChannelError, type ChannelHealth } from '../types.ts';
import { WHATSAPP_CLOUD_CHANNEL, whatsappCloudSpec } from './spec.ts';

interface CloudTarget {
  graphUrl: string;
  token: string;
  phoneNumberId: string;
}

function targetOf(settings: ChannelSettings): CloudTarget | undefined {
  const {
    WHATSAPP_GRAPH_URL: graphUrl,
    WHATSAPP_ACCESS_TOKEN: token,
    WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
  } = settings;
  return graphUrl && token && phoneNumberId ? { graphUrl, token, phoneNumberId } : undefined;
}

export function createWhatsAppCloudChannel(deps: AdapterDeps): ChannelAdapter {
  return {
    channel: WHATSAPP_CLOUD_CHANNEL,
    async send(message, signal) {
      const target = targetOf(await deps.settingsOf(message.tenantId));
      if (!target) {
        throw new ChannelError(
          'WhatsApp Cloud API replies need WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID.',
          { retryable: false },
        );
      }
      try {
        return await deliverInParts(deps, {
          channel: WHATSAPP_CLOUD_CHANNEL,
          sender: target.phoneNumberId,
          textLimit: whatsappCloudSpec.textLimit,
          message,
          signal,
          sendPart: async (text, partSignal) => {
            const sent = await callProvider<{ messages?: Array<{ id?: string }> }>({
              provider: 'WhatsApp Cloud API',
              url: `${target.graphUrl}/${encodeURIComponent(target.phoneNumberId)}/messages`,
              headers: { authorization: `Bearer ${target.token}` },
              body: {
                messaging_product: 'whatsapp',
                recipient_type: 'individual',
                to: message.to,
                type: 'text',
                text: { preview_url: false, body: text },
              },
              signal: partSignal,
              timeoutMs: deps.timeoutMs,
              classify: whatsappCloudSpec.classify,
            });
            return sent?.messages?.[0]?.id;
          },
        });
      } catch (error) {
        if (error instanceof ChannelError && error.needsHuman) {
          await requestHandoff(deps.db, {
            tenantId: message.tenantId,
            conversationId: message.conversationId,
            reason: error.message,
            trigger: 'escalation',
            source: 'whatsapp send',
          });
          deps.logger.warn(
            { conversation_id: message.conversationId, code: error.code },
            'WhatsApp refused a bot message only a person can send now; handoff requested',
          );
        }
        throw error;
      }
    },
    async fetchMedia(tenantId, source, signal) {
      const target = targetOf(await deps.settingsOf(tenantId));
      if (!target || typeof source.media_id !== 'string') {
        throw new ChannelError(
          'WhatsApp Cloud API media needs WHATSAPP_ACCESS_TOKEN and a media id.',
          {
            retryable: false,
          },
        );
      }
      const headers = { authorization: `Bearer ${target.token}` };
      const info = await callProvider<{ url?: string; mime_type?: string }>({
        provider: 'WhatsApp Cloud API',
        method: 'GET',
        url: `${target.graphUrl}/${encodeURIComponent(source.media_id)}`,
        headers,
        signal,
        timeoutMs: deps.timeoutMs,
        classify: whatsappCloudSpec.classify,
      });
      if (!info?.url) {
        throw new ChannelError('WhatsApp Cloud API gave no URL for the media.', {
          retryable: false,
        });
      }
      // The URL needs the same token and expires in 5 minutes: fetched right away, never stored.
      const file = await downloadFromProvider({
        provider: 'WhatsApp Cloud API',
        url: info.url,
        headers,
        signal,
        timeoutMs: deps.timeoutMs,
        classify: whatsappCloudSpec.classify,
      });
      return { bytes: file.bytes, mimeType: info.mime_type ?? file.mimeType };
    },
    async health(): Promise<ChannelHealth> {
      const target = targetOf(deps.defaults);
      if (!target) return { status: 'down', error: 'WhatsApp Cloud API is not configured.' };
      try {
        const number = await callProvider<{ display_phone_number?: string }>({
          provider: 'WhatsApp Cloud API',
          method: 'GET',
          url: `${target.graphUrl}/${encodeURIComponent(target.phoneNumberId)}`,
          headers: { authorization: `Bearer ${target.token}` },
          timeoutMs: Math.min(deps.timeoutMs, 2_000),
          classify: whatsappCloudSpec.classify,
        });
        return { status: 'up', number: number?.display_phone_number };
      } catch (error) {
        return { status: 'down', error: (error as Error).message };
      }
    },
  };
}
