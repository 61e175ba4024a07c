/**
 * A PGlite runtime holding the demo tenant, as `omni start` seeds it on a first run: the browser
 * tests log in with its admin's generated password and act on its conversations.
 */
import { ensureDemoTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from './runtime.ts';

export interface DemoRuntime {
  test: TestRuntime;
  tenantId: string;
  adminPassword: string;
}

export async function openDemoRuntime(env: Record<string, string>): Promise<DemoRuntime> {
  const test = await openTestRuntime('pglite', env);
  const { db } = test.runtime.database;
  const demo = await ensureDemoTenant(db);
  if (!demo) throw new Error('the demo tenant was not created');
  const [tenant] = await db.query.tenants.findMany();
  return { test, tenantId: tenant?.id as string, adminPassword: demo.password };
}
