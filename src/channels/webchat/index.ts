/** The web chat channel (SPEC §6.4): an embeddable widget talking over a WebSocket. */
export {
  latestConversation,
  type VisitorConversation,
  visibleMessage,
  visitorHistory,
  WEBCHAT_CHANNEL,
} from './history.ts';
export { createWebchatHub, type HubEvent, type VisitorSocket, type WebchatHub } from './hub.ts';
export { visitorContactId, visitorMessageId } from './identity.ts';
export { createWebchatChannel } from './outbound.ts';
export {
  type ClientFrame,
  clientFrameSchema,
  MAX_TEXT_LENGTH,
  type ServerFrame,
  type VisitorState,
  type WebchatErrorCode,
  type WireMessage,
} from './protocol.ts';
