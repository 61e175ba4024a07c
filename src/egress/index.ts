/**
 * Egress: the one way out to addresses tenants configure (webhooks, channel APIs, Chatwoot,
 * Slack, HTTP tools, CRM, crawled pages). An inner module: any domain may use it.
 */
export { assertEgressAllowed, configureEgress, guardedFetch } from './default-guard.ts';
export { EgressError, type EgressLanguage, egressErrorIn } from './errors.ts';
export { createEgressGuard, type EgressGuard, type Resolver } from './guard.ts';
export {
  callOutside,
  failureAs,
  type OutsideAnswer,
  type OutsideRequest,
  OutsideUnreachableError,
} from './outside-call.ts';
