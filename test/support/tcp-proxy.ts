/** The fault-injecting TCP proxy lives in src/ops (`omni bench --chaos` uses it too). */
export { type FaultyProxy, startProxy } from '../../src/ops/fault-proxy.ts';
