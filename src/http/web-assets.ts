/**
 * The browser assets Omni serves (the web chat widget, the dashboard), built by `npm run build:web`
 * into `web/dist/` (git-ignored; `npm install` builds it through `prepare`). A checkout that was
 * never built still runs: the API works, and these pages answer 503 saying how to build them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const WIDGET_FILE = `${WEB_DIST}widget/widget.js`;
export const DASHBOARD_DIR = `${WEB_DIST}dashboard/`;
/** web/dashboard/public/favicon.ico, copied by the build; served for every page (dashboard, /demo). */
export const FAVICON_FILE = `${DASHBOARD_DIR}favicon.ico`;

export const NOT_BUILT =
  'The web assets are not built (web/dist is missing): run `npm run build:web`, then restart Omni.';

export function webAssetsBuilt(): boolean {
  return existsSync(WIDGET_FILE) && existsSync(`${DASHBOARD_DIR}index.html`);
}
