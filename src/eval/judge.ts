/**
 * The `judge:` expectation: a model reads the conversation so far and says, through a tool call
 * (structured output), whether the last reply meets the criterion and why. Goes through the
 * gateway like every model call; when no model answers (the offline responder did), it is skipped.
 */
import { tool } from 'ai';
import { z } from 'zod';
import type { Gateway } from '../gateway/index.ts';

const verdictInput = z.object({ pass: z.boolean(), reason: z.string() });

export type Verdict =
  | { skipped: false; pass: boolean; reason: string }
  | { skipped: true; reason: string };

export async function judgeReply(
  gateway: Pick<Gateway, 'generate'>,
  input: {
    tenantId: string;
    language: string;
    transcript: Array<{ contact: string; bot: string }>;
    criterion: string;
  },
): Promise<Verdict> {
  const conversation = input.transcript
    .map((t) => `Customer: ${t.contact}\nAssistant: ${t.bot || '(no reply)'}`)
    .join('\n\n');
  const call = await gateway.generate({
    tenantId: input.tenantId,
    phase: 'eval_judge',
    language: input.language,
    system:
      'You grade a customer-service assistant. Read the conversation and decide whether the LAST assistant reply meets the criterion. Be strict; answer with the verdict tool.',
    messages: [
      {
        role: 'user',
        content: `Conversation:\n${conversation}\n\nCriterion: ${input.criterion}`,
      },
    ],
    tools: {
      verdict: tool({
        description: 'Whether the last reply meets the criterion, and why in one sentence.',
        inputSchema: verdictInput,
      }),
    },
    maxTokens: 300,
  });
  if (call.fallback) return { skipped: true, reason: `no model answered: ${call.fallback}` };
  const parsed = verdictInput.safeParse(call.toolCalls[0]?.input ?? safeJson(call.text));
  if (!parsed.success) return { skipped: true, reason: 'the judge gave no verdict' };
  return { skipped: false, ...parsed.data };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
