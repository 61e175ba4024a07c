/**
 * Human handoff (SPEC §7.6): who is in charge of a conversation (bot, waiting for a human, human),
 * one `handoffs` row per episode, the human-stretch marker written on release, operator replies,
 * idle release, and the notifications and Chatwoot bridge that follow handoffs.
 */
export { HandoffError, type HandoffErrorCode } from './errors.ts';
export { type HandoffChange, type HandoffListener, onHandoffChange } from './events.ts';
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
