/**
 * Partial maintenance (seed 004 §8.3: "block new users, keep authenticated ones"): conversations
 * we are already in keep their normal answers; a conversation that has had no answer yet gets the
 * tenant's maintenance message instead of a model call. It wraps the responder, so the message
 * travels through the outbox like any reply (ordered, retried, never duplicated), and the turn is
 * recorded with agent `maintenance`. Full maintenance is refused at the HTTP edge instead.
 */
import { sql } from 'drizzle-orm';
import type { Responder, TurnRequest } from '../pipeline/index.ts';
import type { Db } from '../storage/index.ts';
import { getTenant, type InstanceSwitches, readSwitches } from '../tenancy/index.ts';

export const MAINTENANCE_AGENT = 'maintenance';

const MAINTENANCE_MESSAGES = {
  'pt-BR':
    'Estamos em manutenção no momento e não conseguimos iniciar novos atendimentos. Por favor, tente novamente mais tarde.',
  en: 'We are under maintenance right now and cannot start new conversations. Please try again later.',
} as const;

/** The tenant's `maintenance_message` setting, else the default in the tenant's language. */
export async function maintenanceMessage(db: Db, tenantId: string, language: string) {
  const { settings } = await getTenant(db, tenantId);
  if (typeof settings.maintenance_message === 'string' && settings.maintenance_message.trim()) {
    return settings.maintenance_message;
  }
  return language.toLowerCase().startsWith('en')
    ? MAINTENANCE_MESSAGES.en
    : MAINTENANCE_MESSAGES['pt-BR'];
}

/** Whether we have already answered in this conversation (other than with the maintenance message). */
async function alreadyAnswered(db: Db, conversationId: string): Promise<boolean> {
  const result = (await db.execute(sql`
    select exists (
      select 1 from messages m left join turns t on t.id = m.turn_id
      where m.conversation_id = ${conversationId} and m.direction = 'outbound'
        and coalesce(t.agent, '') <> ${MAINTENANCE_AGENT}
    ) as answered`)) as unknown as { rows: Array<{ answered: boolean }> };
  return Boolean(result.rows[0]?.answered);
}

export function withMaintenance(
  responder: Responder,
  deps: { db: Db; defaults: InstanceSwitches },
): Responder {
  return async (request: TurnRequest) => {
    const { maintenance } = await readSwitches(deps.db, deps.defaults);
    if (maintenance !== 'partial' || (await alreadyAnswered(deps.db, request.conversationId))) {
      return responder(request);
    }
    return {
      text: await maintenanceMessage(deps.db, request.tenantId, request.language),
      agent: MAINTENANCE_AGENT,
    };
  };
}
