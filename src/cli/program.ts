/**
 * The `omni` program, holding only the commands a run needs. Importing every command module
 * loads nearly all of Omni (Drizzle, the runtime, Fastify, the evaluation harness) before
 * anything happens: ~1.6 s on two cores, paid by every `omni` process. So the first argument
 * picks the modules to import: `omni --version` imports none, `omni tenant create` the tenant
 * commands' module (and what it needs), while the root's help, the default command (`omni` alone
 * is `omni start`) and a name not listed here register every module, as the program always did.
 */
import { Command } from 'commander';
import { VERSION } from '../observability/version.ts';

type Register = (program: Command) => void;

interface CommandModule {
  /** The top-level commands the module registers (test/cli/program.test.ts checks the list). */
  commands: string[];
  load(): Promise<Register>;
}

/** In the order of the root's help. Several modules add subcommands to `eval`. */
export const COMMAND_MODULES: CommandModule[] = [
  {
    commands: ['start', 'api', 'worker'],
    load: async () => (await import('./commands/serve.ts')).registerServeCommands,
  },
  {
    commands: ['migrate', 'doctor', 'health'],
    load: async () => (await import('./commands/ops.ts')).registerOpsCommands,
  },
  {
    commands: ['tenant'],
    load: async () => (await import('./commands/admin.ts')).registerTenantCommands,
  },
  {
    commands: ['keys'],
    load: async () => (await import('./commands/admin.ts')).registerKeyCommands,
  },
  {
    commands: ['users'],
    load: async () => (await import('./commands/users.ts')).registerUserCommands,
  },
  {
    commands: ['maintenance', 'integrations', 'fallback'],
    load: async () => (await import('./commands/switches.ts')).registerSwitchCommands,
  },
  {
    commands: ['security'],
    load: async () => (await import('./commands/security.ts')).registerSecurityCommands,
  },
  {
    commands: ['cleanup'],
    load: async () => (await import('./commands/cleanup.ts')).registerCleanupCommand,
  },
  {
    commands: ['backup', 'restore'],
    load: async () => (await import('./commands/backup.ts')).registerBackupCommands,
  },
  {
    commands: ['contacts'],
    load: async () => (await import('./commands/contacts.ts')).registerContactCommands,
  },
  {
    commands: ['status', 'queue', 'dlq'],
    load: async () => (await import('./commands/queue.ts')).registerQueueCommands,
  },
  {
    commands: ['sim', 'providers', 'models'],
    load: async () => (await import('./commands/gateway.ts')).registerGatewayCommands,
  },
  {
    commands: ['handoff'],
    load: async () => (await import('./commands/handoff.ts')).registerHandoffCommands,
  },
  {
    commands: ['kb'],
    load: async () => (await import('./commands/kb.ts')).registerKnowledgeCommands,
  },
  {
    commands: ['eval'],
    load: async () => (await import('./commands/eval-retrieval.ts')).registerRetrievalEval,
  },
  {
    commands: ['bench'],
    load: async () => (await import('./commands/bench.ts')).registerBenchCommand,
  },
  {
    commands: ['eval'],
    load: async () => (await import('./commands/eval-guardrails.ts')).registerEvalGuardrailsCommand,
  },
  {
    commands: ['eval'],
    load: async () => (await import('./commands/eval.ts')).registerEvalCommand,
  },
];

/** The modules `omni <args>` needs: none for the version, every one unless a command is named. */
export function modulesFor(args: string[]): CommandModule[] {
  const [first] = args;
  if (first === '-v' || first === '--version') return [];
  const named = COMMAND_MODULES.filter((module) => first && module.commands.includes(first));
  return named.length > 0 ? named : COMMAND_MODULES;
}

/** The program with the commands of `modules` registered (by default all of them). */
export async function buildProgram(modules = COMMAND_MODULES): Promise<Command> {
  const program = new Command()
    .name('omni')
    .description('AI agents for customer conversations, with human handoff and no lost messages.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const registers = await Promise.all(modules.map((module) => module.load()));
  for (const register of registers) register(program);
  return program;
}
