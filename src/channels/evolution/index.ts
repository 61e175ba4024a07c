/** WhatsApp through Evolution API v2 (SPEC §6.1). */
export { createEvolutionChannel } from './outbound.ts';
export { EVOLUTION_CHANNEL, evolutionSpec } from './spec.ts';
