/**
 * The `omni` executable (SPEC §2). Every command: --help, --json where it prints data, exit code 0
 * only on success, one-line errors (stack traces only with LOG_LEVEL=debug).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/index.ts';
import { EgressError } from '../egress/index.ts';
import { EvalSuiteError } from '../eval/index.ts';
import { KnowledgeError } from '../knowledge/index.ts';
import { VERSION } from '../observability/index.ts';
import { BackupError } from '../ops/index.ts';
import { StorageError } from '../storage/index.ts';
import { TenancyError } from '../tenancy/index.ts';
import { registerKeyCommands, registerTenantCommands } from './commands/admin.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerBenchCommand } from './commands/bench.ts';
import { registerCleanupCommand } from './commands/cleanup.ts';
import { registerContactCommands } from './commands/contacts.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerEvalGuardrailsCommand } from './commands/eval-guardrails.ts';
import { registerRetrievalEval } from './commands/eval-retrieval.ts';
import { registerGatewayCommands } from './commands/gateway.ts';
import { registerHandoffCommands } from './commands/handoff.ts';
import { registerKnowledgeCommands } from './commands/kb.ts';
import { registerOpsCommands } from './commands/ops.ts';
import { registerQueueCommands } from './commands/queue.ts';
import { registerSecurityCommands } from './commands/security.ts';
import { parseRole, serve, type WorkerRole } from './commands/serve.ts';
import { registerSwitchCommands } from './commands/switches.ts';
import { registerUserCommands } from './commands/users.ts';
import { CliError, say } from './output.ts';

const program = new Command()
  .name('omni')
  .description('AI agents for customer conversations, with human handoff and no lost messages.')
  .version(VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('start', { isDefault: true })
  .description('run the API, dashboard and all workers in one process (the embedded default)')
  .action(() => serve({ http: true, roles: ['all'] }));

program
  .command('api')
  .description('run only the HTTP API (scale out with separate workers)')
  .action(() => serve({ http: true, roles: [] }));

program
  .command('worker')
  .description('run queue workers without the HTTP API')
  .option(
    '--role <role>',
    'inbound, dispatcher, integrations or all',
    parseRole,
    'all' as WorkerRole,
  )
  .action((options: { role: WorkerRole }) => serve({ http: false, roles: [options.role] }));

registerOpsCommands(program);
registerTenantCommands(program);
registerKeyCommands(program);
registerUserCommands(program);
registerSwitchCommands(program);
registerSecurityCommands(program);
registerCleanupCommand(program);
registerBackupCommands(program);
registerContactCommands(program);
registerQueueCommands(program);
registerGatewayCommands(program);
registerHandoffCommands(program);
registerKnowledgeCommands(program);
registerRetrievalEval(program);
registerBenchCommand(program);
registerEvalGuardrailsCommand(program);
registerEvalCommand(program);

function reportFailure(error: unknown): void {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) say(`omni: ${problem}`);
    return;
  }
  const known =
    error instanceof CliError ||
    error instanceof StorageError ||
    error instanceof TenancyError ||
    error instanceof KnowledgeError ||
    error instanceof BackupError ||
    error instanceof EgressError ||
    error instanceof EvalSuiteError;
  say(`omni: ${(error as Error).message ?? String(error)}`);
  if (!known && debugging()) say((error as Error).stack ?? '');
}

function debugging(): boolean {
  try {
    return ['debug', 'trace'].includes(loadConfig().LOG_LEVEL);
  } catch {
    return false;
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed help, the version or its own one-line error already.
    process.exitCode = error.exitCode;
  } else {
    reportFailure(error);
    process.exitCode = 1;
  }
}
