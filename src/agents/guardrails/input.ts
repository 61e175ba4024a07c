/**
 * Input guardrails: what a contact sent, checked before any model sees it — the length cap and
 * injection attempts block; personal data is found (and masked for the provider when the tenant
 * asks for it).
 */

import { findPii, maskPii, type PiiMatch } from '../../observability/index.ts';
import {
  BORDERLINE,
  type InjectionKind,
  type InjectionVerdict,
  scoreInjection,
} from './injection.ts';

export type InputBlock =
  | { type: 'input_length'; reason: string }
  | { type: 'injection'; reason: string; kind: InjectionKind };

export interface InputCheck {
  block?: InputBlock;
  pii: PiiMatch[];
  /** The text to send to the provider: masked when `maskPii` is on, else as typed. */
  forModel: string;
  /** A borderline injection score, not blocked offline: the judge's to decide. */
  suspicion?: InjectionVerdict;
}

export function checkInput(
  text: string,
  options: { maxChars: number; maskPii: boolean },
): InputCheck {
  const pii = findPii(text);
  const forModel = options.maskPii ? maskPii(text, pii) : text;
  if (text.length > options.maxChars) {
    return {
      pii,
      forModel,
      block: {
        type: 'input_length',
        reason: `${text.length} characters, over the cap of ${options.maxChars}`,
      },
    };
  }
  const injection = scoreInjection(text);
  if (injection && injection.score >= 1) {
    return { pii, forModel, block: injectionBlock(injection) };
  }
  if (injection && injection.score >= BORDERLINE) return { pii, forModel, suspicion: injection };
  return { pii, forModel };
}

export function injectionBlock(injection: InjectionVerdict, judged?: string): InputBlock {
  return {
    type: 'injection',
    kind: injection.kind,
    reason: `${injection.kind} (score ${injection.score}, ${injection.view}): "${injection.evidence}"${judged ? `; judge: ${judged}` : ''}`,
  };
}
