/**
 * JSON logs (pino) to stdout. Secrets never reach a log line: headers and fields that carry keys,
 * tokens or passwords are replaced by "[redacted]" wherever they appear in the first two levels,
 * and personal data in strings (CPF, CNPJ, e-mail, phone, card) is masked by its type.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { maskPii } from './pii.ts';
import { VERSION } from './version.ts';

export type { Logger } from 'pino';

const SECRET_FIELDS = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'apiKey',
  'api_key',
  'key',
  'secret',
  'authorization',
  'cookie',
  'DATABASE_URL',
  'REDIS_URL',
  // Tenant settings that are credentials (src/secrets), should a settings object reach a log line.
  'whatsapp_app_secret',
  'whatsapp_access_token',
  'whatsapp_verify_token',
  'telegram_bot_token',
  'telegram_webhook_secret',
  'email_webhook_token',
  'chatwoot_webhook_token',
  'evolution_api_key',
  'outbound_webhook_secret',
  'smtp_url',
  'slack_webhook_url',
  'OMNI_SECRET_KEY',
  'OMNI_SECRET_KEY_PREVIOUS',
];

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.apikey',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

/** Strings masked (`[cpf]`, `[email]`…) in plain objects and arrays down to `depth` levels. */
function maskPiiIn(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskPiiIn(item, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, maskPiiIn(item, depth - 1)]),
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'omni', version: VERSION, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Upper case, as the seed runbooks' `grep ERROR` expects.
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    // Contacts type CPFs, cards and e-mails into messages that end up in log fields and messages.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => maskPiiIn(arg, 2)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
