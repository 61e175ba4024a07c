/**
 * Personal data in free text (SPEC §7.3): CPF and CNPJ with their check digits (the alphanumeric
 * CNPJ included), e-mail, Brazilian phone numbers and payment cards (Luhn). Candidates are found by
 * shape, then kept only when the validator accepts them, so "pedido 12345678901" is not a CPF.
 * It depends on nothing of ours: the logger masks every line with it.
 */
import { isValidCnpj } from '@brazilian-utils/brazilian-utils/is-valid-cnpj';
import { isValidCpf } from '@brazilian-utils/brazilian-utils/is-valid-cpf';
import { isValidEmail } from '@brazilian-utils/brazilian-utils/is-valid-email';
import {
  type IsValidPhoneOptions,
  isValidPhone,
} from '@brazilian-utils/brazilian-utils/is-valid-phone';

export const PII_TYPES = ['email', 'cnpj', 'cpf', 'card', 'phone'] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface PiiMatch {
  type: PiiType;
  value: string;
  start: number;
  end: number;
}

/** Luhn's check over 13–19 digits (every card network's number length). */
export function isValidCard(value: string): boolean {
  if (!/^[\d\s-]+$/.test(value)) return false;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export interface PiiValidationOptions {
  /** CNPJ: 1 numeric only, 2 numeric or alphanumeric (default 2). */
  cnpjVersion?: 1 | 2;
  phone?: IsValidPhoneOptions;
}

/** Whether `value`, taken whole, is a valid item of `type`. */
export function isValidPii(
  type: PiiType,
  value: string,
  options: PiiValidationOptions = {},
): boolean {
  switch (type) {
    case 'cpf':
      return isValidCpf(value);
    case 'cnpj':
      return isValidCnpj(value, { version: options.cnpjVersion ?? 2 });
    case 'email':
      return isValidEmail(value);
    case 'phone':
      return isValidPhone(value, options.phone);
    case 'card':
      return isValidCard(value);
  }
}

/** Shapes, most specific first: a match claims its characters before the next shape looks. */
const SHAPES: Array<[PiiType, RegExp]> = [
  ['email', /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu],
  [
    'cnpj',
    /(?<![\p{L}\p{N}])[A-Za-z0-9]{2}[.\s]?[A-Za-z0-9]{3}[.\s]?[A-Za-z0-9]{3}[/\s]?[A-Za-z0-9]{4}[-\s]?\d{2}(?![\p{L}\p{N}])/gu,
  ],
  ['cpf', /(?<![\p{L}\p{N}])\d{3}[.\s]?\d{3}[.\s]?\d{3}[-\s]?\d{2}(?![\p{L}\p{N}])/gu],
  ['card', /(?<![\p{L}\p{N}])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}])/gu],
  [
    'phone',
    /(?<![\p{L}\p{N}+])(?:(?:\+|00)?55[\s-]?)?(?:\(?\d{2}\)?[\s-]?)?\d{4,5}[\s-]?\d{4}(?![\p{L}\p{N}])/gu,
  ],
];

export function findPii(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  const taken = (start: number, end: number) => found.some((m) => start < m.end && end > m.start);
  for (const [type, shape] of SHAPES) {
    for (const match of text.matchAll(shape)) {
      const value = match[0];
      const start = match.index ?? 0;
      const end = start + value.length;
      if (taken(start, end)) continue;
      // A letter-free CNPJ shape is numeric; an all-letter one is a word, never a document.
      if (type === 'cnpj' && !/\d{2}$/.test(value)) continue;
      // "00000000000" and the like are placeholders people type, not anyone's number.
      if (/^(\d)\1+$/.test(value.replace(/\D/g, ''))) continue;
      if (isValidPii(type, value)) found.push({ type, value, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The text with each item replaced by its type in brackets: "meu cpf é [cpf]". */
export function maskPii(text: string, matches: PiiMatch[] = findPii(text)): string {
  let masked = '';
  let cursor = 0;
  for (const match of matches) {
    masked += `${text.slice(cursor, match.start)}[${match.type}]`;
    cursor = match.end;
  }
  return masked + text.slice(cursor);
}
