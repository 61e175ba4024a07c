/**
 * The process's guard, configured once by the runtime from EGRESS_ALLOW (`configureEgress`).
 * A module-level guard so every domain reaches outside through the same two functions without
 * threading an object through each adapter; until configured it allows public addresses only.
 */
import { createEgressGuard, type EgressGuard, type EgressGuardOptions } from './guard.ts';

let current: EgressGuard = createEgressGuard();

/** Replaces the process's guard (the runtime calls it at start with EGRESS_ALLOW). */
export function configureEgress(options: EgressGuardOptions): void {
  const previous = current;
  current = createEgressGuard(options);
  void previous.close().catch(() => {});
}

/** fetch() for any tenant-configurable destination: refuses what the egress policy refuses. */
export function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return current.fetch(input, init);
}

/** Throws an EgressError when a URL a setting names may not be reached (checked on save). */
export function assertEgressAllowed(url: string | URL): Promise<URL> {
  return current.assertAllowed(url);
}
