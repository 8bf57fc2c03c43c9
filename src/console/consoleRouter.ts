import express, { type Request, type Response, type Router } from 'express';
import { loadConsoleAssets, type Asset, type ConsoleAssets } from './consoleAssets.js';
import { setSecurityHeaders } from './securityHeaders.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

const send = (req: Request, res: Response, asset: Asset, cacheControl: string) => {
  setSecurityHeaders(res);
  res.setHeader('content-type', asset.type);
  res.setHeader('cache-control', cacheControl);
  res.setHeader('vary', 'Accept-Encoding');
  const encoding = req.acceptsEncodings('br', 'gzip', 'identity');
  const body = encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.identity;
  if (encoding === 'br' || encoding === 'gzip') res.setHeader('content-encoding', encoding);
  res.setHeader('content-length', body.length);
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
};

/**
 * The finance console (SPEC section 13) at `/`: one page and its modules under `/console/<version>/`.
 * The page is revalidated on every visit (a 304 when nothing changed); the modules are cached for a
 * year, since a new release has a new version in their URLs.
 */
export const consoleRouter = (assets: ConsoleAssets = loadConsoleAssets()): Router => {
  const router = express.Router();
  const etag = `"${assets.version}"`;
  router.get('/', (req, res) => {
    res.setHeader('etag', etag);
    if (req.get('if-none-match') === etag) {
      setSecurityHeaders(res);
      res.setHeader('cache-control', 'no-cache');
      return void res.status(304).end();
    }
    send(req, res, assets.index, 'no-cache');
  });
  router.get('/console/{*rest}', (req, res, next) => {
    const [version, ...path] = req.path.split('/').slice(2);
    const asset = version === assets.version ? assets.files.get(path.join('/')) : undefined;
    if (!asset) {
      res.setHeader('cache-control', 'no-store');
      return next();
    }
    send(req, res, asset, IMMUTABLE);
  });
  return router;
};
