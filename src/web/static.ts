/**
 * The status page's files: a fixed table of URL paths, each read once at start from
 * src/web/public/ (plain browser modules, no build step) or from the uplot package. A path not
 * in the table is a 404: nothing is looked up on disk from a URL, so no `..` can escape.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATIC_CACHE_CONTROL, VENDOR_CACHE_CONTROL } from './constants.js';
import { WebError } from './errors.js';

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SVG = 'image/svg+xml';

/** URL path → file in public/ (the page's own files). */
const PAGE_FILES: ReadonlyArray<readonly [path: string, file: string, type: string]> = [
  ['/', 'index.html', HTML],
  ['/index.html', 'index.html', HTML],
  ['/app.js', 'app.js', JS],
  ['/dom.js', 'dom.js', JS],
  ['/format.js', 'format.js', JS],
  ['/feed.js', 'feed.js', JS],
  ['/views.js', 'views.js', JS],
  ['/charts.js', 'charts.js', JS],
  ['/style.css', 'style.css', CSS],
  ['/favicon.svg', 'favicon.svg', SVG],
];

/** URL path → file of the uplot package (served from node_modules, no CDN: the node may be offline). */
const VENDOR_FILES: ReadonlyArray<readonly [path: string, specifier: string, type: string]> = [
  ['/vendor/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', JS],
  ['/vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css', CSS],
];

/**
 * public/ next to this module when run from src/ (tsx), or the source tree's copy when run from
 * dist/src/web/ (tsc compiles only .ts, so the page's files stay where they are written).
 */
export function publicDir(): string {
  const candidates = [fileURLToPath(new URL('./public/', import.meta.url)), fileURLToPath(new URL('../../../src/web/public/', import.meta.url))];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (found === undefined) throw new WebError('assets-missing', `the status page's files are missing (looked in ${candidates.join(' and ')}); reinstall kadchain`);
  return found;
}

function asset(body: Buffer, contentType: string, cacheControl: string): StaticAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag, cacheControl };
}

/** Every servable path, read now: a missing file fails the node's start, not a visitor's request. */
export function loadAssets(dir = publicDir()): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const [path, file, type] of PAGE_FILES) assets.set(path, asset(readFileSync(join(dir, file)), type, STATIC_CACHE_CONTROL));
  const require = createRequire(import.meta.url);
  for (const [path, specifier, type] of VENDOR_FILES) assets.set(path, asset(readFileSync(require.resolve(specifier)), type, VENDOR_CACHE_CONTROL));
  return assets;
}
