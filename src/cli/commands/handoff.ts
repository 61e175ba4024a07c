/** `omni handoff …`: the operators' queue from the shell, and take over / release / resolve. */
import type { Command } from 'commander';
import {
  type HandoffResult,
  type HandoffStatus,
  handoffView,
  listHandoffs,
  release,
  resolve,
  takeOver,
  tenantOfConversation,
} from '../../handoff/index.ts';
import { schema } from '../../storage/index.ts';
import { getTenant, isUuid } from '../../tenancy/index.ts';
import { CliError, numberOption, printJson, printTable, say, withRuntime } from '../output.ts';

function conversationId(value: string): string {
  if (!isUuid(value)) throw new CliError(`A conversation id is a UUID (got "${value}").`);
  return value;
}

function handoffStatus(value: string): HandoffStatus {
  if (!(schema.HANDOFF_STATUSES as readonly string[]).includes(value)) {
    throw new CliError(
      `--status is one of ${schema.HANDOFF_STATUSES.join(', ')} (got "${value}").`,
    );
  }
  return value as HandoffStatus;
}

function report(conversation: string, result: HandoffResult, json: boolean | undefined) {
  if (json) {
    printJson({
      conversation_id: conversation,
      controlled_by: result.controlledBy,
      changed: result.changed,
      handoff: result.handoff ? handoffView(result.handoff) : null,
    });
    return;
  }
  const state = result.changed ? 'now' : 'already';
  say(`Conversation ${conversation} is ${state} controlled by ${result.controlledBy}.`);
}

export function registerHandoffCommands(program: Command): void {
  const handoff = program
    .command('handoff')
    .description('human handoff: list episodes, take a conversation over, give it back');

  handoff
    .command('list')
    .description('handoff episodes, newest first')
    .option('--tenant <tenant>', 'only this tenant (slug or id)')
    .option('--status <status>', `one of ${schema.HANDOFF_STATUSES.join(', ')}`, handoffStatus)
    .option('--limit <n>', 'at most this many', numberOption('--limit', { positive: true }), 50)
    .option('--json', 'print JSON')
    .action((options: { tenant?: string; status?: HandoffStatus; limit: number; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenantId = options.tenant
          ? (await getTenant(database.db, options.tenant)).id
          : undefined;
        const rows = (
          await listHandoffs(database.db, {
            tenantId,
            status: options.status,
            limit: options.limit,
          })
        ).map(handoffView);
        if (options.json) printJson(rows);
        else
          printTable(rows, ['id', 'conversation_id', 'status', 'trigger', 'reason', 'created_at']);
      }),
    );

  const transition = (
    name: string,
    description: string,
    apply: (
      db: Parameters<typeof takeOver>[0],
      input: { tenantId: string; conversationId: string },
    ) => Promise<HandoffResult>,
  ) =>
    handoff
      .command(`${name} <conversation>`)
      .description(description)
      .option('--json', 'print the result as JSON')
      .action((value: string, options: { json?: boolean }) => {
        const id = conversationId(value);
        return withRuntime(async ({ database }) => {
          const tenantId = await tenantOfConversation(database.db, id);
          report(id, await apply(database.db, { tenantId, conversationId: id }), options.json);
        });
      });

  transition(
    'take',
    'take the conversation over: the bot stays silent until release',
    (db, input) => takeOver(db, { ...input, trigger: 'operator' }),
  );
  transition(
    'release',
    'give the conversation back to the bot (the human stretch is summarised for it)',
    (db, input) => release(db, { ...input, trigger: 'operator' }),
  );
  transition(
    'resolve',
    "resolve the conversation; the contact's next message opens a new one",
    (db, input) => resolve(db, { ...input, trigger: 'operator' }),
  );
}
