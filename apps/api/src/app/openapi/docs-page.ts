import { dirname, join } from 'node:path';

/**
 * The docs page (`GET /api/docs`): Swagger UI from the `swagger-ui-dist` package, served by this
 * server from node_modules at run time (no CDN: users may reach nothing but this server),
 * rendering `GET /api/openapi.json`.
 */

/** The files of swagger-ui-dist the page loads, and their content types. */
export const DOCS_ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;

export type DocsAsset = keyof typeof DOCS_ASSETS;

export const DOCS_ASSET_NAMES = Object.keys(DOCS_ASSETS) as DocsAsset[];

/** Our own script that starts Swagger UI (a file, not an inline script: the page's CSP). */
export const DOCS_INIT_SCRIPT = 'init.js';

export function isDocsAsset(name: string): name is DocsAsset {
  return Object.hasOwn(DOCS_ASSETS, name);
}

/** The directory holding swagger-ui-dist's files (resolved without loading its 1.5 MB bundle). */
export function swaggerUiDirectory(): string {
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

export function docsAssetPath(name: DocsAsset): string {
  return join(swaggerUiDirectory(), name);
}

/**
 * The page's Content-Security-Policy: everything from this server only. Swagger UI sets inline
 * `style` attributes (React), hence `'unsafe-inline'` for styles; no inline or foreign script.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The HTML of `/api/docs`. URLs are relative to it (`docs/…` under `/api/`), so the page works
 * behind a proxy that mounts the server under a path prefix.
 */
export function docsPageHtml(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>WhisperStream API</title>
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" />
    <link rel="stylesheet" href="docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/${DOCS_INIT_SCRIPT}"></script>
  </body>
</html>
`;
}

/** Starts Swagger UI on the document, relative to the page (`/api/openapi.json`). */
export function docsInitScript(): string {
  return `'use strict';
window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
  validatorUrl: null,
});
`;
}
