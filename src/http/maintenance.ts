/**
 * Full maintenance at the HTTP edge (SPEC §9): every request gets 503 with a maintenance body,
 * except health and metrics (probes and scrapes keep working) and admins on the tenant API (they
 * must be able to operate, and to switch maintenance off). Read from the switches table, so
 * `omni maintenance on|off` takes effect in every process within seconds.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime/index.ts';
import { readSwitches, switchDefaults } from '../tenancy/index.ts';
import { callerIsAdmin } from './auth.ts';
import { HttpError } from './errors.ts';

const RETRY_AFTER_SECONDS = 60;

function maintenanceError(): HttpError {
  return new HttpError(503, 'maintenance', 'Omni is under maintenance; please try again later.', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

async function inFullMaintenance(runtime: Runtime): Promise<boolean> {
  const switches = await readSwitches(runtime.database.db, switchDefaults(runtime.config));
  return switches.maintenance === 'full';
}

/**
 * The root hook: refuses everything but `exempt` paths and the tenant API's routes (which decide
 * after authentication, see `admitAdminsDuringMaintenance`).
 */
export function refuseDuringMaintenance(
  app: FastifyInstance,
  runtime: Runtime,
  exempt: { paths: ReadonlySet<string>; isTenantApi: (request: FastifyRequest) => boolean },
): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (exempt.paths.has(path) || exempt.isTenantApi(request)) return;
    if (await inFullMaintenance(runtime)) throw maintenanceError();
  });
}

/** In the tenant API, after authentication: only admins get through full maintenance. */
export function admitAdminsDuringMaintenance(app: FastifyInstance, runtime: Runtime): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    if (!callerIsAdmin(request) && (await inFullMaintenance(runtime))) throw maintenanceError();
  });
}
