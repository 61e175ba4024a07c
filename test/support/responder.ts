import { setTimeout as sleep } from 'node:timers/promises';
import type { Responder, TurnRequest } from '../../src/pipeline/index.ts';

export interface RecordingResponder {
  responder: Responder;
  calls: TurnRequest[];
}

/**
 * A stand-in for the agents at the far edge: answers "eco: <texts joined by ' | '>" after
 * `delayMs`, honouring the abort signal like a model call would.
 */
export function echoResponder(delayMs = 0): RecordingResponder {
  const calls: TurnRequest[] = [];
  return {
    calls,
    responder: async (request) => {
      calls.push(request);
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: request.signal });
      return {
        text: `eco: ${request.messages.map((m) => m.text).join(' | ')}`,
        agent: 'echo',
        model: 'test-echo',
      };
    },
  };
}
