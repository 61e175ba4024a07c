/** Channel simulators (SPEC §6.7): real HTTP fakes of the providers, for tests, benchmarks and people. */
export {
  type EvolutionSim,
  type EvolutionSimOptions,
  type SentText,
  startEvolutionSim,
} from './evolution.ts';
export type { SimFaults } from './faults.ts';
export {
  type SentMessage,
  startTelegramSim,
  type TelegramSim,
  type TelegramSimOptions,
} from './telegram.ts';
export {
  type CloudSent,
  type CloudSim,
  type CloudSimOptions,
  startCloudSim,
} from './whatsapp-cloud.ts';
