import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { PROJECT_ROOT } from '../../../../src/config/project-root.js';

/** Where the console's pages live: `/` leads there, and every path under it is a page of the console. */
export const CONSOLE_PATH = '/console';

/** Where `npm run build` (Vite) puts the built console. */
export const CONSOLE_BUILD_DIR = path.join(PROJECT_ROOT, 'dist', 'console');

/**
 * Serves the web console built by Vite from the API's own origin, so it needs no CORS and no second
 * server. The console's client-side routes live under /console (the API's resource paths such as /cycles
 * stay the API's); `/` redirects there. Built assets carry a content hash in their names and are cached
 * for a year; index.html is never cached, so a new build reaches every user at the next page load.
 */
export function serveConsole(app: NestExpressApplication, buildDir: string = CONSOLE_BUILD_DIR): void {
  const indexFile = path.join(buildDir, 'index.html');
  app.useStaticAssets(buildDir, {
    prefix: `${CONSOLE_PATH}/`,
    index: false,
    setHeaders: (response, file) => {
      response.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const sendIndex = (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (!existsSync(indexFile)) {
      response.status(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build` (or `npm start`, which builds it).\n');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(indexFile);
  };
  const express = app.getHttpAdapter().getInstance() as { get(path: string | RegExp, handler: (request: Request, response: Response, next: NextFunction) => void): void };
  express.get('/', (request, response) => response.redirect(302, `${CONSOLE_PATH}/`));
  // A missing asset is a 404, not the page: a stale tab asking for an old bundle must not get HTML as script.
  express.get(new RegExp(`^${CONSOLE_PATH}(/(?!assets/).*)?$`), sendIndex);
}
