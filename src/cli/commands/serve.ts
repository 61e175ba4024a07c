/** `omni start` (API + workers in one process), `omni api`, `omni worker`: long-running processes. */
import type { Command } from 'commander';
import { type Config, loadConfig, publicUrl } from '../../config/index.ts';
import { scheduleRetention } from '../../ops/index.ts';
import type { RunningWorkers } from '../../pipeline/index.ts';
import { ROLES, type Role } from '../../queue/index.ts';
import { exitGracefullyOnSignals, openRuntime } from '../../runtime/index.ts';
import { type DemoCredentials, ensureDemoTenant } from '../../tenancy/index.ts';
import { CliError } from '../output.ts';

export const WORKER_ROLES = [...ROLES, 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

export function registerServeCommands(program: Command): void {
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
}

interface ServeOptions {
  http: boolean;
  roles: WorkerRole[];
}

async function serve(options: ServeOptions): Promise<void> {
  process.title = processTitle(options);
  const config = loadConfig();
  const runtime = await openRuntime(config, { shareEmbedded: true });
  const { logger } = runtime;
  let closeHttp: (() => Promise<void>) | undefined;
  let workers: RunningWorkers | undefined;
  let retention: { stop(): void } | undefined;

  // Order matters: stop taking requests, let workers finish what they hold, then close pools.
  exitGracefullyOnSignals(config.SHUTDOWN_TIMEOUT_MS, logger, async () => {
    await closeHttp?.();
    retention?.stop();
    await workers?.stop();
    await runtime.close();
  });

  if (options.http) {
    if (runtime.profile === 'embedded') {
      const credentials = await ensureDemoTenant(runtime.database.db);
      if (credentials) printWelcome(config, credentials);
    }
    // Imported only by the processes that serve HTTP: Fastify, its plugins and every route's
    // schema are ~15 MB of RSS an `omni worker` has no use for.
    const { buildServer } = await import('../../http/index.ts');
    const { app, lifecycle } = await buildServer(runtime);
    closeHttp = async () => {
      lifecycle.draining = true;
      await app.close();
    };
    await app.listen({ port: config.PORT, host: config.HOST });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ url: publicUrl(config, port), profile: runtime.profile }, 'Omni is listening');
  }
  if (options.roles.length > 0) {
    const roles = options.roles.includes('all') ? [...ROLES] : (options.roles as Role[]);
    workers = runtime.pipeline.startWorkers(roles);
    retention = scheduleRetention(
      runtime.database.db,
      {
        days: config.RETENTION_DAYS,
        sentOutboxDays: config.RETENTION_SENT_OUTBOX_DAYS,
        media: runtime.media.store,
      },
      logger,
    );
    // TELEGRAM_MODE=polling: polled updates come in through the processes that answer them.
    if (roles.includes('inbound')) runtime.channels.startPolling();
  }
}

/**
 * The runbooks' role names (seed 004: `ps aux | grep agente`, units and deployments `agente-api`,
 * `agente-worker`), so the usual tools find each process by what it does.
 */
function processTitle(options: ServeOptions): string {
  if (options.http && options.roles.includes('all')) return 'omni-agente-api+worker';
  if (options.http) return 'omni-agente-api';
  return `omni-agente-worker ${options.roles.join(',')}`;
}

function parseRole(value: string): WorkerRole {
  const role = value.toLowerCase() as WorkerRole;
  if (!WORKER_ROLES.includes(role)) {
    throw new CliError(`--role must be one of ${WORKER_ROLES.join(', ')} (got "${value}").`);
  }
  return role;
}

function printWelcome(config: Config, credentials: DemoCredentials): void {
  const url = publicUrl(config);
  // stdout, not stderr: process managers (pm2) file stderr as the error log.
  process.stdout.write(
    `${[
      '',
      '  First start: created the demo tenant. These credentials are shown only now:',
      '',
      `    Dashboard   ${url}/   e-mail ${credentials.email}   password ${credentials.password}`,
      `    API key     ${credentials.apiKey}   (tenant "${credentials.tenant}", admin)`,
      '',
      `  Try: curl -H "X-API-Key: ${credentials.apiKey}" ${url}/api/v1/tenants/${credentials.tenant}`,
      '',
    ].join('\n')}\n`,
  );
}
