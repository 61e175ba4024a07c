/**
 * Omni as the postgres profile runs it, for tests of what one worker process does to another: a
 * fresh PostgreSQL database, a runtime in the test's own process that only ingests and inspects,
 * and `omni worker` children started on demand. `close` kills whatever is left and drops the
 * database.
 */
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { Responder } from '../../src/pipeline/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { type RunningOmni, startOmni } from './cli.ts';
import { createTestDatabase } from './postgres.ts';
import { TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from './services.ts';

export interface WorkerProcesses {
  runtime: Runtime;
  startWorker(role: 'all' | 'integrations'): Promise<RunningOmni>;
  close(): Promise<void>;
}

export async function openWorkerProcesses(
  env: Record<string, string>,
  options: { responder?: Responder } = {},
): Promise<WorkerProcesses> {
  const database = await createTestDatabase();
  const shared = {
    DATABASE_URL: database.url,
    OMNI_SECRET_KEY: TEST_SECRET_KEY,
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...env,
  };
  const runtime = await openRuntime(loadConfig(shared), {
    logger: createLogger('silent'),
    responder: options.responder,
  });
  const workers: RunningOmni[] = [];
  return {
    runtime,
    async startWorker(role) {
      const worker = await startOmni(
        ['worker', '--role', role],
        shared,
        /"msg":"worker roles ready"/,
      );
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          await worker.stop('SIGKILL');
        }
      }
      await runtime.close();
      await database.drop();
    },
  };
}
