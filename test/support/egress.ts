/**
 * Vitest setup file: tests that build channel adapters or integration clients without a runtime
 * reach the simulators on loopback through the process's egress guard, as a runtime started with
 * EGRESS_ALLOW would.
 */
import { configureEgress } from '../../src/egress/index.ts';
import { TEST_EGRESS_ALLOW } from './services.ts';

configureEgress({ allow: TEST_EGRESS_ALLOW.split(',') });
