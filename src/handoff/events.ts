/**
 * In-process listeners for handoff changes, called after the change is committed: the runtime
 * counts them (handoffs_total) and wakes the integrations worker; the dashboard's live feed may
 * listen too. A listener must not throw into the caller, and missing one loses nothing — the
 * `handoffs` rows are the truth that the integrations worker scans.
 */
export interface HandoffChange {
  type: 'requested' | 'taken' | 'released' | 'resolved';
  tenantId: string;
  conversationId: string;
  handoffId: string | undefined;
  trigger: string;
  reason: string | undefined;
  source?: string;
}

export type HandoffListener = (change: HandoffChange) => void;

const listeners = new Set<HandoffListener>();

/** Subscribes; the returned function unsubscribes (runtimes do it when they close). */
export function onHandoffChange(listener: HandoffListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function notifyHandoffChange(change: HandoffChange): void {
  for (const listener of listeners) {
    try {
      listener(change);
    } catch {
      // A broken listener (metrics, a closed socket) must not undo or fail a committed handoff.
    }
  }
}
