/**
 * Output guardrails: a reply is checked before it leaves — personal data the contact did not give
 * is masked, a reply that repeats the instructions (verbatim, paraphrased or translated) is
 * withheld, and the text fits the channel.
 */
import { findPii, maskPii } from '../../observability/index.ts';
import { reproducesPrompt } from './prompt-leak.ts';

/** Longest message per channel (Telegram's and WhatsApp's 4096; a web chat bubble; e-mail free). */
const CHANNEL_LIMITS: Record<string, number> = {
  telegram: 4096,
  whatsapp: 4096,
  'whatsapp-cloud': 4096,
  webchat: 4000,
  api: 8000,
};
const DEFAULT_LIMIT = 4000;

export type OutputFlag = 'pii_leak' | 'prompt_leak' | 'channel_length';

export interface OutputCheck {
  text: string;
  flags: OutputFlag[];
  /** Set when the reply must not be sent at all. */
  withheld: boolean;
}

export function channelLimit(channel: string): number | undefined {
  if (channel === 'email') return undefined;
  return CHANNEL_LIMITS[channel] ?? DEFAULT_LIMIT;
}

export function checkOutput(
  reply: string,
  context: { channel: string; systemPrompt: string; contactTexts: string[] },
): OutputCheck {
  const flags: OutputFlag[] = [];
  if (reproducesPrompt(reply, context.systemPrompt)) {
    return { text: reply, flags: ['prompt_leak'], withheld: true };
  }
  const given = new Set(
    context.contactTexts.flatMap((t) => findPii(t).map((m) => digitsOf(m.value))),
  );
  const foreign = findPii(reply).filter((m) => !given.has(digitsOf(m.value)));
  let text = reply;
  if (foreign.length > 0) {
    flags.push('pii_leak');
    text = maskPii(reply, foreign);
  }
  const limit = channelLimit(context.channel);
  if (limit && text.length > limit) {
    flags.push('channel_length');
    text = `${text.slice(0, limit - 1).replace(/\s+\S*$/, '')}…`;
  }
  return { text, flags, withheld: false };
}

/** The same item typed differently ("123.456.789-09" and "12345678909") is the same item. */
function digitsOf(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9@.]/g, '');
}
