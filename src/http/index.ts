/** The HTTP edge. */
export { HttpError } from './errors.ts';
export { buildServer, type OmniServer } from './server.ts';
