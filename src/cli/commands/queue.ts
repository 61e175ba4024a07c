/** `omni status`, `omni queue …`, `omni dlq …`: seed 000's stuck-queue playbook, in any profile. */
import type { Command } from 'commander';
import {
  countBlockedByDeadLetter,
  discardDeadLetter,
  getDeadLetter,
  listDeadLetters,
  messageStatus,
  purgeDeadLetters,
  replayDeadLetter,
  setPaused,
} from '../../pipeline/index.ts';
import { ROLES, type Role, STREAMS, type Stream } from '../../queue/index.ts';
import { isUuid } from '../../tenancy/index.ts';
import { CliError, numberOption, printJson, printTable, say, withRuntime } from '../output.ts';

function parseStream(value: string): Stream {
  if (!(STREAMS as readonly string[]).includes(value)) {
    throw new CliError(`The stream must be one of ${STREAMS.join(', ')} (got "${value}").`);
  }
  return value as Stream;
}

function parseRoles(value: string | undefined): Role[] {
  if (!value || value === 'all') return [...ROLES];
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new CliError(`The role must be one of ${ROLES.join(', ')} or all (got "${value}").`);
  }
  return [value as Role];
}

function parseId(value: string, what: string): string {
  if (!isUuid(value)) throw new CliError(`"${value}" is not ${what} id.`);
  return value;
}

export function registerQueueCommands(program: Command): void {
  program
    .command('status <messageId>')
    .description("a message's state and history (seed 000's HGETALL status:<id>, in any profile)")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const status = await messageStatus(database.db, parseId(id, 'a message'));
        if (!status) throw new CliError(`No message "${id}".`);
        if (options.json) return printJson(status);
        process.stdout.write(
          `${status.id}  ${status.direction} ${status.author} via ${status.channel}  state=${status.state}\n`,
        );
        printTable(status.history, ['at', 'state', 'attempts', 'error']);
        if (status.outbox) {
          say(
            `outbox ${status.outbox.status}, ${status.outbox.attempts} attempts, key ${status.outbox.idempotency_key}`,
          );
        }
      }),
    );

  const queue = program.command('queue').description('inspect and repair the queues');

  queue
    .command('stats')
    .description(
      'waiting, pending and delayed entries per stream, open dead letters, and replies blocked by them',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ pipeline }) => {
        const stats = await pipeline.queue.stats();
        const dlq = (await listDeadLetters(pipeline.deps, { limit: 10_000 })).length;
        const blocked = await countBlockedByDeadLetter(pipeline.deps);
        if (options.json) {
          return printJson({
            backend: pipeline.queue.kind,
            streams: stats,
            dlq,
            blocked_by_dead_letter: blocked,
          });
        }
        printTable(stats, ['stream', 'group', 'waiting', 'pending', 'delayed']);
        say(`backend ${pipeline.queue.kind}; dead letters not replayed: ${dlq}`);
        say(`replies blocked by dead letter: ${blocked} (replay or discard the dead head)`);
      }),
    );

  queue
    .command('pending <stream>')
    .description('entries claimed and not yet acknowledged (XPENDING)')
    .option('--json', 'print JSON')
    .action((stream: string, options: { json?: boolean }) =>
      withRuntime(async ({ pipeline }) => {
        const pending = await pipeline.queue.pending(parseStream(stream));
        if (options.json) printJson(pending);
        else printTable(pending, ['id', 'consumer', 'idleMs', 'attempts']);
      }),
    );

  queue
    .command('claim <stream>')
    .description('make entries idle longer than --idle claimable at once (XAUTOCLAIM)')
    .option('--idle <ms>', 'minimum idle time in milliseconds', numberOption('--idle'), 5000)
    .action((stream: string, options: { idle: number }) =>
      withRuntime(async ({ pipeline }) => {
        const moved = await pipeline.queue.reclaim(parseStream(stream), options.idle);
        say(`${moved} entries of ${stream} are claimable again.`);
      }),
    );

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    queue
      .command(`${verb} [role]`)
      .description(
        `${verb} consumption for a role (inbound, dispatcher, integrations, all) in every process`,
      )
      .action((role: string | undefined) =>
        withRuntime(async ({ pipeline }) => {
          const roles = parseRoles(role);
          for (const r of roles) await setPaused(pipeline.deps, r, paused, 'cli');
          say(
            `${paused ? 'Paused' : 'Resumed'}: ${roles.join(', ')} (every process notices within seconds).`,
          );
        }),
      );
  }

  queue
    .command('run-once <role>')
    .description('claim and process exactly one batch for a role, then exit')
    .action((role: string) =>
      withRuntime(async ({ pipeline }) => {
        const [only] = parseRoles(role);
        if (!only || role === 'all')
          throw new CliError('run-once takes one role: inbound, dispatcher or integrations.');
        const handled = await pipeline.runOnce(only);
        say(`${only}: processed ${handled} entries.`);
      }),
    );

  const dlq = program.command('dlq').description('the dead-letter queue');

  dlq
    .command('list')
    .description('dead letters not yet replayed, newest first')
    .option('--all', 'include replayed ones')
    .option('--json', 'print JSON')
    .action((options: { all?: boolean; json?: boolean }) =>
      withRuntime(async ({ pipeline }) => {
        const letters = await listDeadLetters(pipeline.deps, { includeReplayed: options.all });
        const view = letters.map((l) => ({
          id: l.id,
          stream: l.queue,
          reason: l.reason,
          attempts: l.attempts,
          created_at: l.createdAt.toISOString(),
          replayed_at: l.replayedAt?.toISOString() ?? null,
        }));
        if (options.json) printJson(letters);
        else printTable(view, ['id', 'stream', 'reason', 'attempts', 'created_at', 'replayed_at']);
      }),
    );

  dlq
    .command('show <id>')
    .description('one dead letter with its payload and every error')
    .action((id: string) =>
      withRuntime(async ({ pipeline }) => {
        const letter = await getDeadLetter(pipeline.deps, parseId(id, 'a dead letter'));
        if (!letter) throw new CliError(`No dead letter "${id}".`);
        printJson(letter);
      }),
    );

  dlq
    .command('replay [id]')
    .description('put a dead letter (or --all) back on its stream')
    .option('--all', 'replay every dead letter not yet replayed')
    .action((id: string | undefined, options: { all?: boolean }) =>
      withRuntime(async ({ pipeline }) => {
        if (!id && !options.all) throw new CliError('Name a dead letter id, or pass --all.');
        const letters = options.all
          ? await listDeadLetters(pipeline.deps, { limit: 100_000 })
          : [await getDeadLetter(pipeline.deps, parseId(id as string, 'a dead letter'))];
        let replayed = 0;
        for (const [index, letter] of letters.entries()) {
          if (!letter) throw new CliError(`No dead letter "${id}".`);
          if (await replayDeadLetter(pipeline.deps, letter)) replayed++;
          if (options.all && (index + 1) % 100 === 0) say(`… ${index + 1}/${letters.length}`);
        }
        say(`Replayed ${replayed} dead letter${replayed === 1 ? '' : 's'}.`);
      }),
    );

  dlq
    .command('discard <id>')
    .description(
      'drop a dead letter for good (audited): its reply is never sent, the replies behind it are released',
    )
    .action((id: string) =>
      withRuntime(async ({ pipeline }) => {
        const letter = await getDeadLetter(pipeline.deps, parseId(id, 'a dead letter'));
        if (!letter) throw new CliError(`No dead letter "${id}".`);
        if (letter.replayedAt) throw new CliError(`Dead letter "${id}" was replayed already.`);
        const outcome = await discardDeadLetter(pipeline.deps, letter, { type: 'cli' });
        if (outcome === 'already_resolved')
          throw new CliError(`Dead letter "${id}" was replayed or discarded meanwhile.`);
        say(`Discarded dead letter ${id}; the replies behind it are released.`);
      }),
    );

  dlq
    .command('purge')
    .description('delete every dead letter (they cannot be replayed afterwards)')
    .requiredOption('--yes', 'confirm')
    .action(() =>
      withRuntime(async ({ pipeline }) => {
        say(`Deleted ${await purgeDeadLetters(pipeline.deps)} dead letters.`);
      }),
    );
}
