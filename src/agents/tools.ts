/**
 * The tools an agent may call (SPEC §7.2): `kb_search`, `create_or_update_lead`,
 * `handoff_to_human` and the tenant's HTTP tools. The model's calls (through the AI SDK's tool
 * loop, tool-loop.ts) run here, with the turn's tenant and conversation, never with anything the
 * model claims about them.
 *
 * Each tool is a capability scoped to the conversation, because a model can be talked into
 * anything: only the tools offered to the turn's agent run; `kb_search` reads the tenant's
 * knowledge base; the lead tool writes the current contact's lead; arguments outside a tool's
 * schema (another contact's id, a URL, a wildcard) are refused before anything happens.
 */
import { jsonSchema, type ToolSet, tool } from 'ai';
import { z } from 'zod';
import { requestHandoff } from '../handoff/index.ts';
import { citationOf, searchKnowledge } from '../knowledge/index.ts';
import type { Db } from '../storage/index.ts';
import { asData } from './guardrails/untrusted.ts';
import { callHttpTool, type HttpToolDefinition } from './http-tools.ts';
import { LEAD_FIELDS, type LeadResult, upsertLead } from './leads.ts';
import {
  argumentProblem,
  type ConversationFacts,
  closedSchema,
  withBoundArguments,
} from './tool-arguments.ts';

/** Passages given to the model per search: enough to answer, few enough to stay focused. */
const KB_PASSAGES = 3;

const leadInput = z.object(
  Object.fromEntries(
    LEAD_FIELDS.map((field) => [field, z.string().optional().describe(`The lead's ${field}`)]),
  ) as Record<(typeof LEAD_FIELDS)[number], z.ZodOptional<z.ZodString>>,
);

const BUILTIN_SCHEMAS = {
  kb_search: z.object({
    query: z.string().describe('What to look for, in the customer’s words'),
  }),
  create_or_update_lead: leadInput,
  handoff_to_human: z.object({
    reason: z.string().describe('Why a human is needed, in a few words'),
  }),
};

const BUILTIN_TOOLS = {
  kb_search: tool({
    description:
      "Search the company's knowledge base. Returns numbered passages with their source, to answer from and cite.",
    inputSchema: BUILTIN_SCHEMAS.kb_search,
  }),
  create_or_update_lead: tool({
    description:
      "Record what is known about the prospective customer of this conversation (any of the fields); call again as you learn more. It only ever writes this customer's lead.",
    inputSchema: BUILTIN_SCHEMAS.create_or_update_lead,
  }),
  handoff_to_human: tool({
    description:
      'Transfer the conversation to a human agent: the customer asked for a person, or a human is needed.',
    inputSchema: BUILTIN_SCHEMAS.handoff_to_human,
  }),
} as const;

export type BuiltinToolName = keyof typeof BUILTIN_TOOLS;

export function isBuiltinTool(name: string): name is BuiltinToolName {
  return name in BUILTIN_TOOLS;
}

/** The tool set the model sees: names, descriptions and argument schemas only. */
export function toolSetFor(names: string[], httpTools: HttpToolDefinition[]): ToolSet {
  const set: ToolSet = {};
  for (const name of names) {
    if (isBuiltinTool(name)) set[name] = BUILTIN_TOOLS[name];
  }
  for (const http of httpTools) {
    if (!names.includes(http.name) || isBuiltinTool(http.name)) continue;
    set[http.name] = tool({
      description: http.description,
      inputSchema: jsonSchema(closedSchema(http.parameters)),
    });
  }
  return set;
}

export interface ToolContext {
  db: Db;
  tenantId: string;
  conversationId: string;
  contactId: string;
  /** What bound HTTP tool arguments are filled with: the contact who is talking, never another. */
  facts: ConversationFacts;
  /** The tools the turn's agent was given: no other runs, whatever the model calls. */
  offered: string[];
  httpTools: HttpToolDefinition[];
  signal: AbortSignal;
  fetch?: typeof fetch;
}

/** What running a call produced, besides the text the model reads back. */
export type ToolEffect =
  | { kind: 'kb'; citations: string[] }
  | { kind: 'lead'; lead: LeadResult }
  | { kind: 'handoff'; reason: string; changed: boolean }
  | { kind: 'http'; name: string }
  | { kind: 'refused'; name: string; reason: string };

/** What a refused call gives the model to read, and its effect: nothing ran. */
export function refusal(name: string, reason: string): { output: string; effect: ToolEffect } {
  return { output: `Refused: ${reason}.`, effect: { kind: 'refused', name, reason } };
}

export async function runTool(
  context: ToolContext,
  name: string,
  input: unknown,
): Promise<{ output: string; effect: ToolEffect }> {
  const refuse = (reason: string) => refusal(name, reason);
  const http = context.httpTools.find((t) => t.name === name);
  if (!context.offered.includes(name) || (!isBuiltinTool(name) && !http)) {
    return refuse(`there is no tool named ${name}`);
  }
  // Built-in inputs arrive parsed by their zod schemas (the AI SDK drops undeclared keys such as a
  // `contact_id`, and the cases below read declared fields only); HTTP tools' JSON schemas are
  // not enforced on the way in, so they are here.
  const problem = http ? argumentProblem(http.parameters, input) : undefined;
  if (problem) return refuse(`the arguments of ${name} do not fit its schema: ${problem}`);
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  switch (name) {
    case 'kb_search': {
      const passages = await searchKnowledge(context.db, {
        tenantId: context.tenantId,
        query: String(args.query ?? ''),
        limit: KB_PASSAGES,
      });
      const citations = passages.map(citationOf);
      const output =
        passages.length === 0
          ? 'No passage found: the knowledge base does not cover this.'
          : passages
              .map((p, i) => `[${i + 1}] ${asData('knowledge_base', p.content, citations[i])}`)
              .join('\n\n');
      return { output, effect: { kind: 'kb', citations } };
    }
    case 'create_or_update_lead': {
      const facts = Object.fromEntries(
        LEAD_FIELDS.flatMap((field) =>
          typeof args[field] === 'string' ? [[field, args[field] as string]] : [],
        ),
      );
      const lead = await upsertLead(context.db, {
        tenantId: context.tenantId,
        contactId: context.contactId,
        conversationId: context.conversationId,
        facts,
      });
      return {
        output: `Lead saved (score ${lead.score}/100, stage ${lead.stage}).`,
        effect: { kind: 'lead', lead },
      };
    }
    case 'handoff_to_human': {
      const reason = String(args.reason ?? 'requested by the agent').slice(0, 500);
      const result = await requestHandoff(context.db, {
        tenantId: context.tenantId,
        conversationId: context.conversationId,
        reason,
        trigger: 'tool',
        source: 'agent',
      });
      return {
        output: 'A human agent has been called and will continue the conversation.',
        effect: { kind: 'handoff', reason, changed: result.changed },
      };
    }
    default: {
      const tool = http as HttpToolDefinition;
      const output = await callHttpTool(
        tool,
        withBoundArguments(tool.parameters, input, context.facts),
        context.signal,
        context.fetch,
      );
      return { output: asData('tool_result', output, name), effect: { kind: 'http', name } };
    }
  }
}
