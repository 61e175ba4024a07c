/**
 * A visitor is known by a random secret the widget keeps in localStorage. The contact's id on the
 * channel is a digest of it, so what operators and logs see cannot be used to read the history.
 */
import { createHash } from 'node:crypto';

export function visitorContactId(visitorSecret: string): string {
  return `v_${createHash('sha256').update(visitorSecret).digest('base64url').slice(0, 24)}`;
}

/** The channel's external id of a visitor's message: one per tab-chosen client id. */
export function visitorMessageId(contactId: string, clientId: string): string {
  return `${contactId}:${clientId}`;
}
