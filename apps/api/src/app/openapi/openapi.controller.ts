import { readFile } from 'node:fs/promises';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import {
  DOCS_ASSETS,
  DOCS_CSP,
  DOCS_INIT_SCRIPT,
  docsAssetPath,
  docsInitScript,
  docsPageHtml,
  isDocsAsset,
  type DocsAsset,
} from './docs-page';
import { buildOpenApiDocument } from './openapi-document';

/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of the public API, built once from the route
 * table and the contract's zod schemas; `GET /api/docs`: a page that renders it.
 */
@Controller('api')
export class OpenApiController {
  readonly #json = JSON.stringify(buildOpenApiDocument());
  readonly #page = docsPageHtml();
  readonly #init = docsInitScript();
  readonly #assets = new Map<DocsAsset, Promise<Buffer>>();

  @Get('openapi.json')
  document(@Res() res: Response): void {
    res
      .status(200)
      .type('application/json; charset=utf-8')
      .set('Cache-Control', 'no-cache')
      .send(this.#json);
  }

  @Get('docs')
  page(@Req() req: Request, @Res() res: Response): void {
    // The page's URLs are relative to `/api/docs`; `/api/docs/` would break them.
    if (req.path.endsWith('/')) {
      res.redirect(301, '../docs');
      return;
    }
    res
      .status(200)
      .type('text/html; charset=utf-8')
      .set({ 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' })
      .send(this.#page);
  }

  @Get('docs/:file')
  async asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    if (file === DOCS_INIT_SCRIPT) {
      res
        .status(200)
        .type('text/javascript; charset=utf-8')
        .set('Cache-Control', 'no-cache')
        .send(this.#init);
      return;
    }
    if (!isDocsAsset(file)) throw new ApiError(404, 'not_found', 'no such file of the docs page');
    const body = await this.#asset(file);
    res
      .status(200)
      .set({ 'Content-Type': DOCS_ASSETS[file], 'Cache-Control': 'public, max-age=3600' })
      .send(body);
  }

  /** Read from swagger-ui-dist once (about 1.6 MB in all); a failed read is tried again later. */
  #asset(file: DocsAsset): Promise<Buffer> {
    let read = this.#assets.get(file);
    if (!read) {
      read = readFile(docsAssetPath(file));
      read.catch(() => this.#assets.delete(file));
      this.#assets.set(file, read);
    }
    return read;
  }
}
