/**
 * `handoffs_total{trigger}`: new handoff episodes, counted by the process where they happen (the
 * HighHandoffRate alert divides it by conversations_started_total). The reason is free text, so it
 * is not a label.
 */
import { Counter, type Registry } from 'prom-client';
import { onHandoffChange } from './events.ts';

/** Registers the counter and counts every new episode; returns the unsubscribe. */
export function countHandoffs(registry: Registry): () => void {
  const handoffs = new Counter({
    name: 'handoffs_total',
    help: 'Handoff episodes opened (a human asked for or taking over), by trigger.',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  return onHandoffChange((change) => {
    if (change.type === 'requested') handoffs.inc({ trigger: change.trigger });
  });
}
