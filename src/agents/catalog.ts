/**
 * The agents a tenant's conversations can be routed to: the built-in `support` and `sales`, and the
 * tenant's own (`agents` table), each with its tools and model preferences. A tenant row with a
 * built-in's name adjusts that built-in (description, tools, model).
 */
import { and, eq } from 'drizzle-orm';
import type { CallPolicy } from '../gateway/index.ts';
import { type Db, schema } from '../storage/index.ts';
import { BUILTIN_PROMPTS } from './prompts.ts';

export interface AgentDefinition {
  name: string;
  description: string;
  /** Tool names: built-in ones and the tenant's HTTP tools. */
  tools: string[];
  policy: CallPolicy;
  /** The prompt used while the tenant has no version of its own. */
  defaultPrompt: string;
}

const GENERIC_PROMPT =
  'You are an assistant of the company, chatting with a customer. Be brief and polite; never invent facts; call handoff_to_human when a person is needed.';

export const BUILTIN_AGENTS: AgentDefinition[] = [
  {
    name: 'support',
    description:
      'Questions about products, services, orders, policies and problems; anything else that is not a purchase.',
    tools: ['kb_search', 'handoff_to_human'],
    policy: {},
    defaultPrompt: BUILTIN_PROMPTS.support as string,
  },
  {
    name: 'sales',
    description:
      'Prospective customers: interest in buying, plans and prices for a purchase, quotes, demos.',
    tools: ['kb_search', 'create_or_update_lead', 'handoff_to_human'],
    policy: {},
    defaultPrompt: BUILTIN_PROMPTS.sales as string,
  },
];

export async function agentsOf(db: Db, tenantId: string): Promise<AgentDefinition[]> {
  const rows = await db
    .select()
    .from(schema.agents)
    .where(and(eq(schema.agents.tenantId, tenantId), eq(schema.agents.enabled, true)));
  const agents = new Map(BUILTIN_AGENTS.map((agent) => [agent.name, agent]));
  for (const row of rows) {
    const builtin = agents.get(row.name);
    agents.set(row.name, {
      name: row.name,
      description: row.description,
      tools: row.tools.length > 0 ? row.tools : (builtin?.tools ?? ['handoff_to_human']),
      policy: policyOf(row.model),
      defaultPrompt: builtin?.defaultPrompt ?? GENERIC_PROMPT,
    });
  }
  return [...agents.values()];
}

function policyOf(model: Record<string, unknown>): CallPolicy {
  const policy: CallPolicy = {};
  if (typeof model.preferred_provider === 'string') {
    policy.preferredProvider = model.preferred_provider as CallPolicy['preferredProvider'];
  }
  if (Array.isArray(model.providers)) policy.providers = model.providers as CallPolicy['providers'];
  if (typeof model.max_cost === 'number') policy.maxCost = model.max_cost;
  return policy;
}
