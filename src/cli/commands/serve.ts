/** `omni start` (API + workers in one process), `omni api`, `omni worker`: long-running processes. */
import { type Config, loadConfig, publicUrl } from '../../config/index.ts';
import { buildServer } from '../../http/index.ts';
import { exitGracefullyOnSignals, openRuntime, type Runtime } from '../../runtime/index.ts';
import { type DemoCredentials, ensureDemoTenant } from '../../tenancy/index.ts';
import { CliError, say } from '../output.ts';

export const WORKER_ROLES = ['inbound', 'dispatcher', 'integrations', 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

interface ServeOptions {
  http: boolean;
  roles: WorkerRole[];
}

export async function serve(options: ServeOptions): Promise<void> {
  const config = loadConfig();
  const runtime = await openRuntime(config);
  const { logger } = runtime;
  let closing: (() => Promise<void>) | undefined;

  exitGracefullyOnSignals(config.SHUTDOWN_TIMEOUT_MS, logger, async () => {
    await closing?.();
    await runtime.close();
  });

  if (options.http) {
    if (runtime.profile === 'embedded') {
      const credentials = await ensureDemoTenant(runtime.database.db);
      if (credentials) printWelcome(config, credentials);
    }
    const { app, lifecycle } = await buildServer(runtime);
    closing = async () => {
      lifecycle.draining = true;
      await app.close();
    };
    await app.listen({ port: config.PORT, host: config.HOST });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ url: publicUrl(config, port), profile: runtime.profile }, 'Omni is listening');
  }
  if (options.roles.length > 0) startWorkers(runtime, options.roles);
}

/** Queue consumers per role arrive with the delivery pipeline; the process already holds the runtime. */
function startWorkers(runtime: Runtime, roles: WorkerRole[]): void {
  const expanded = roles.includes('all') ? WORKER_ROLES.filter((r) => r !== 'all') : roles;
  runtime.logger.info({ roles: expanded }, 'worker roles ready');
}

export function parseRole(value: string): WorkerRole {
  const role = value.toLowerCase() as WorkerRole;
  if (!WORKER_ROLES.includes(role)) {
    throw new CliError(`--role must be one of ${WORKER_ROLES.join(', ')} (got "${value}").`);
  }
  return role;
}

function printWelcome(config: Config, credentials: DemoCredentials): void {
  const url = publicUrl(config);
  say(
    [
      '',
      '  First start: created the demo tenant. These credentials are shown only now:',
      '',
      `    Dashboard   ${url}/   e-mail ${credentials.email}   password ${credentials.password}`,
      `    API key     ${credentials.apiKey}   (tenant "${credentials.tenant}", admin)`,
      '',
      `  Try: curl -H "X-API-Key: ${credentials.apiKey}" ${url}/api/v1/tenants/${credentials.tenant}`,
      '',
    ].join('\n'),
  );
}
