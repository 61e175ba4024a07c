/**
 * Human handoff (SPEC §7.6): who is in charge of a conversation (bot, waiting for a human, human),
 * one `handoffs` row per episode, the human-stretch marker written on release, operator replies,
 * idle release, and the notifications and Chatwoot bridge that follow handoffs.
 */

export type { ChatwootSettings } from './chatwoot-client.ts';
export { type ChatwootOutcome, handleChatwootEvent } from './chatwoot-events.ts';
export { HandoffError, type HandoffErrorCode } from './errors.ts';
export { type HandoffChange, type HandoffListener, onHandoffChange } from './events.ts';
export { releaseIdleConversations } from './idle.ts';
export { type HandoffStatus, listHandoffs, tenantOfConversation } from './list.ts';
export { reasonText, releaseCountsOf, releaseNote } from './messages.ts';
export { countHandoffs } from './metrics.ts';
export {
  type OperatorMessageInput,
  type OperatorMessageResult,
  sendOperatorMessage,
} from './operator.ts';
export {
  HANDOFF_TRIGGERS,
  type Handoff,
  type HandoffResult,
  type HandoffTrigger,
  type ReleaseInput,
  type RequestHandoffInput,
  release,
  requestHandoff,
  resolve,
  type TakeOverInput,
  takeOver,
} from './state.ts';
export {
  buildHandoffSummary,
  type HandoffSummary,
  handoffSummaryText,
  latestHandoffSummary,
} from './summary.ts';
export { type HandoffView, handoffView } from './views.ts';
export {
  type HandoffWorkerDeps,
  type HandoffWorkers,
  INTEGRATIONS_SWITCH,
  type IntegrationSettings,
  runIntegrationsOnce,
  startHandoffWorkers,
} from './worker.ts';
