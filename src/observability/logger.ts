/**
 * JSON logs (pino) to stdout. Secrets never reach a log line: headers and fields that carry keys,
 * tokens or passwords are replaced by "[redacted]" wherever they appear in the first two levels.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'omni', version: VERSION, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
