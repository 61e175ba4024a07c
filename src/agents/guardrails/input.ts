/**
 * Input guardrails: what a contact sent, checked before any model sees it — the length cap and
 * injection attempts block; personal data is found (and masked for the provider when the tenant
 * asks for it).
 */
import { detectInjection, type InjectionKind } from './injection.ts';
import { findPii, maskPii, type PiiMatch } from './pii.ts';

export type InputBlock =
  | { type: 'input_length'; reason: string }
  | { type: 'injection'; reason: string; kind: InjectionKind };

export interface InputCheck {
  block?: InputBlock;
  pii: PiiMatch[];
  /** The text to send to the provider: masked when `maskPii` is on, else as typed. */
  forModel: string;
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
  const injection = detectInjection(text);
  if (injection) {
    return {
      pii,
      forModel,
      block: {
        type: 'injection',
        kind: injection.kind,
        reason: `${injection.kind}: "${injection.evidence}"`,
      },
    };
  }
  return { pii, forModel };
}
