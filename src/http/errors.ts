/**
 * The one place where errors become HTTP answers (SPEC §6.8):
 * `{ "error": { "code", "message", "request_id" } }`. Clients get one clear sentence; the log line
 * carries the rest, under the same request id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { EgressError } from '../egress/index.ts';
import { HandoffError } from '../handoff/index.ts';
import { KnowledgeError } from '../knowledge/index.ts';
import {
  describeConnectionError,
  isDatabaseUnavailable,
  isRedisUnavailable,
} from '../storage/index.ts';
import { TenancyError } from '../tenancy/index.ts';

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'egress_refused'
  | 'unauthorized'
  | 'forbidden'
  | 'csrf_failed'
  | 'account_locked'
  | 'maintenance'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'service_unavailable'
  | 'internal_error';

/** An error a route raises on purpose, already phrased for the client. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  /** Sent as Retry-After (429, 503). */
  readonly retryAfterSeconds?: number;
  constructor(
    statusCode: number,
    code: ErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

interface Answer {
  status: number;
  code: ErrorCode;
  message: string;
}

const TENANCY_STATUS = { not_found: 404, conflict: 409, invalid: 400 } as const;
const TENANCY_CODE = {
  not_found: 'not_found',
  conflict: 'conflict',
  invalid: 'invalid_request',
} as const;

/** pt-BR unless the client asks for English first (the house default language). */
function languageOf(request: FastifyRequest): 'pt-BR' | 'en' {
  const accepted = String(request.headers['accept-language'] ?? '')
    .trim()
    .toLowerCase();
  return accepted.startsWith('en') ? 'en' : 'pt-BR';
}

function answerFor(error: FastifyError | Error, request: FastifyRequest): Answer {
  if (error instanceof EgressError)
    return { status: 400, code: error.code, message: error.localized(languageOf(request)) };
  if (error instanceof HttpError)
    return { status: error.statusCode, code: error.code, message: error.message };
  if (error instanceof HandoffError) {
    const status = error.code === 'not_found' ? 404 : 409;
    return { status, code: error.code, message: error.message };
  }
  if (error instanceof KnowledgeError) {
    if (error.code === 'not_found')
      return { status: 404, code: 'not_found', message: error.message };
    // The embedding provider or a site to crawl is out of reach: not the request's fault.
    if (error.code === 'embedding_unavailable' || error.code === 'fetch_failed') {
      return { status: 503, code: 'service_unavailable', message: error.message };
    }
    return { status: 400, code: 'invalid_request', message: error.message };
  }
  if (error instanceof TenancyError) {
    return {
      status: TENANCY_STATUS[error.code],
      code: TENANCY_CODE[error.code],
      message: error.message,
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const where = issue?.instancePath
      ? issue.instancePath.replace(/^\//, '').replaceAll('/', '.')
      : '';
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const field = where ? `${context}.${where}` : context;
    return {
      status: 400,
      code: 'invalid_request',
      message: `${field}: ${issue?.message ?? 'is invalid'}.`,
    };
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'payload_too_large',
        message: 'The request body is larger than this server accepts.',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'Send the body as application/json.',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      code: 'service_unavailable',
      message: 'The database is unreachable; try again shortly.',
    };
  }
  if (isRedisUnavailable(error)) {
    return {
      status: 503,
      code: 'service_unavailable',
      message: 'A service Omni depends on is unreachable; try again shortly.',
    };
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return {
      status,
      code: status === 404 ? 'not_found' : 'invalid_request',
      message: error.message,
    };
  }
  return {
    status: 500,
    code: 'internal_error',
    message: 'Something went wrong on our side; the request id is in our logs.',
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, answer: Answer) {
  return reply.status(answer.status).send({
    error: { code: answer.code, message: answer.message, request_id: request.id },
  });
}

/**
 * Errors Fastify raises before routing (a URL with broken percent-encoding): no hook has run, so
 * helmet's headers are set here too, and the answer has the usual shape.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  request.log.info({ code: error.code, reason: error.message }, 'request rejected');
  reply.headers({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'x-request-id': request.id,
  });
  void sendError(request, reply, {
    status: 400,
    code: 'invalid_request',
    message: 'The URL is not valid (broken percent-encoding).',
  });
}

/** The innermost cause: a failed query's own message carries its SQL and parameters. */
function rootCause(error: unknown): unknown {
  let inner = error as { cause?: unknown };
  while (inner?.cause) inner = inner.cause as { cause?: unknown };
  return inner;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = answerFor(error, request);
    // An outage is logged once by the connection that met it; each refused request gets a line.
    if (answer.code === 'service_unavailable')
      request.log.warn({ reason: describeConnectionError(rootCause(error)) }, answer.message);
    else if (answer.status >= 500) request.log.error({ err: error }, answer.message);
    else request.log.info({ code: answer.code, reason: error.message }, 'request rejected');
    if (error instanceof HttpError && error.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(error.retryAfterSeconds));
    else if (answer.status === 503) reply.header('retry-after', '5');
    return sendError(request, reply, answer);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, {
      status: 404,
      code: 'not_found',
      message: `There is no route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
