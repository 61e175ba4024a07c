/** Channel simulators (SPEC §6.7): real HTTP fakes of the providers, for tests, benchmarks and people. */
export { type EvolutionSim, startEvolutionSim } from './evolution.ts';
export type { SimFaults } from './faults.ts';
export { startTelegramSim, type TelegramSim } from './telegram.ts';
export { type CloudSim, startCloudSim } from './whatsapp-cloud.ts';
