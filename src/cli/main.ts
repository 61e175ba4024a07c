/**
 * The `omni` executable (SPEC §2). Every command: --help, --json where it prints data, exit code 0
 * only on success, one-line errors (stack traces only with LOG_LEVEL=debug).
 */
import { CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/index.ts';
import { CliError, say } from './output.ts';
import { buildProgram, modulesFor } from './program.ts';

async function reportFailure(error: unknown): Promise<void> {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) say(`omni: ${problem}`);
    return;
  }
  say(`omni: ${(error as Error).message ?? String(error)}`);
  if (debugging() && !(await isKnownFailure(error))) say((error as Error).stack ?? '');
}

/**
 * A failure Omni phrased for the operator, whose stack says nothing more. The error types are
 * imported here, after a failure, so that a command does not load the modules it does not use.
 */
async function isKnownFailure(error: unknown): Promise<boolean> {
  const [egress, evaluation, knowledge, ops, storage, tenancy] = await Promise.all([
    import('../egress/index.ts'),
    import('../eval/index.ts'),
    import('../knowledge/index.ts'),
    import('../ops/index.ts'),
    import('../storage/index.ts'),
    import('../tenancy/index.ts'),
  ]);
  return (
    error instanceof CliError ||
    error instanceof storage.StorageError ||
    error instanceof tenancy.TenancyError ||
    error instanceof knowledge.KnowledgeError ||
    error instanceof ops.BackupError ||
    error instanceof egress.EgressError ||
    error instanceof evaluation.EvalSuiteError
  );
}

function debugging(): boolean {
  try {
    return ['debug', 'trace'].includes(loadConfig().LOG_LEVEL);
  } catch {
    return false;
  }
}

try {
  const program = await buildProgram(modulesFor(process.argv.slice(2)));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed help, the version or its own one-line error already.
    process.exitCode = error.exitCode;
  } else {
    await reportFailure(error);
    process.exitCode = 1;
  }
}
