import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';

export interface UiAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Where the UI's static files live in the repository. */
const PUBLIC_IN_REPO = join('apps', 'api', 'src', 'ui', 'public');

/**
 * The static folder, found the same way from the TypeScript source and from dist/: next to this
 * file when the build copied it there, else in the repository the compiled file sits in (`nest
 * build` copies no assets unless told to).
 */
export function uiPublicDir(from = __dirname): string {
  const beside = join(from, 'public');
  if (existsSync(join(beside, 'index.html'))) return beside;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, PUBLIC_IN_REPO);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`the UI's static files (${PUBLIC_IN_REPO}) were not found above ${from}`);
  }
}

/** Chart.js's self-contained UMD build, from node_modules (served same-origin; no CDN). */
export function chartJsFile(): string {
  return join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

/**
 * Every file the UI serves, read once at start-up into a fixed map: a request names a key of this
 * map or gets 404, so no request path ever reaches the file system.
 */
export function loadUiAssets(publicDir = uiPublicDir()): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  const add = (name: string, file: string) => {
    const body = readFileSync(file);
    const contentType = CONTENT_TYPES[extname(file)];
    if (!contentType) return;
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` });
  };
  for (const entry of readdirSync(publicDir)) {
    const file = join(publicDir, entry);
    if (statSync(file).isFile()) add(entry, file);
  }
  add('vendor/chart.umd.min.js', chartJsFile());
  return assets;
}
