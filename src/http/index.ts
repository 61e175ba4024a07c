/** The HTTP edge. */
export { HttpError } from './errors.ts';
export { buildServer, type OmniServer, type RouteInventoryEntry } from './server.ts';
