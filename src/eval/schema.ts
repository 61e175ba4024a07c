/**
 * The YAML a team writes (`evals/*.yaml`): a file holds cases; a case is a conversation — contact
 * messages in order, each with what its reply must satisfy and, for the scripted LLM simulator,
 * what the model does (route, call tools, answer). Validated here so a typo names its file and case.
 */
import { z } from 'zod';

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((value) => (Array.isArray(value) ? value : [value]));

const MEDIA_TYPES = [
  'image',
  'video',
  'audio',
  'voice',
  'document',
  'sticker',
  'location',
  'contact',
] as const;

const toolCallExpectation = z.union([
  z.string().transform((tool) => ({ tool, with: undefined })),
  z.strictObject({ tool: z.string(), with: z.record(z.string(), z.unknown()).optional() }),
]);

export const expectationSchema = z.strictObject({
  /** Case-insensitive substrings the reply must hold. */
  contains: oneOrMany(z.string()).optional(),
  not_contains: oneOrMany(z.string()).optional(),
  /** Regular expressions (JavaScript syntax, case-insensitive) the reply must match. */
  matches: oneOrMany(z.string()).optional(),
  /** A knowledge-base document (its source name) the reply cites. */
  cites: oneOrMany(z.string()).optional(),
  /** Tools the agent calls in this turn, with fields its input must carry. */
  calls: oneOrMany(toolCallExpectation).optional(),
  not_calls: oneOrMany(z.string()).optional(),
  /** After this reply the conversation waits for (or has) a person — or still belongs to the bot. */
  handover: z.boolean().optional(),
  /** ISO 639-1 code (`pt`, `en`, …); a region (`pt-BR`) is accepted and ignored. */
  language: z.string().min(2).optional(),
  max_length: z.number().int().positive().optional(),
  /** Criteria a model scores the reply against (skipped, with a note, without a model). */
  judge: oneOrMany(z.string()).optional(),
});

export const simulationSchema = z.strictObject({
  route: z
    .strictObject({
      agent: z.string(),
      intent: z.string(),
      confidence: z.number().min(0).max(1),
    })
    .optional(),
  tools: z
    .array(
      z.strictObject({ name: z.string(), input: z.record(z.string(), z.unknown()).default({}) }),
    )
    .default([]),
  answer: z.string().optional(),
});

export const turnSchema = z.strictObject({
  say: z.string().default(''),
  media: z
    .strictObject({
      type: z.enum(MEDIA_TYPES),
      caption: z.string().optional(),
      file_name: z.string().optional(),
    })
    .optional(),
  /** What the scripted LLM simulator answers; ignored when real providers are configured. */
  simulate: simulationSchema.optional(),
  expect: expectationSchema.default({}),
});

export const caseSchema = z.strictObject({
  name: z.string().min(1),
  /** The channel the contact writes on (`api`, `whatsapp`, `telegram`, `webchat`, `email`). */
  channel: z.string().default('api'),
  contact: z.string().optional(),
  turns: z.array(turnSchema).min(1),
});

export const fileSchema = z.strictObject({
  /** A folder (or file) of knowledge-base documents, relative to the YAML file. */
  kb: z.string().optional(),
  /** The tenant's settings for these cases (language, custom_instructions, escalation…). */
  settings: z.record(z.string(), z.unknown()).default({}),
  cases: z.array(caseSchema).min(1),
});

export type Expectation = z.infer<typeof expectationSchema>;
export type Simulation = z.infer<typeof simulationSchema>;
export type EvalTurn = z.infer<typeof turnSchema>;
export type EvalCase = z.infer<typeof caseSchema>;
export type EvalFileSpec = z.infer<typeof fileSchema>;
