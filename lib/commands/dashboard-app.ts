// What `wirewatch run` serves over HTTP: the API app (with the dashboard in
// web/) and the dashboard's chart library from node_modules (no CDN; the CSP
// is 'self'). Give node:http api.listener(dashboardApp(api)).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';
import type { Api } from '../api/index.js';

const require = createRequire(import.meta.url);

export function dashboardApp(api: Api): express.Express {
  const app = express();
  // Like api.app: no product banner (answers sent before Express carry none either).
  app.disable('x-powered-by');
  app.use('/vendor/uplot', express.static(join(dirname(require.resolve('uplot/package.json')), 'dist'), { index: false, fallthrough: false }));
  app.use(api.app);
  return app;
}
