import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadUiAssets, uiPublicDir } from './ui-assets';

describe('UI static files', () => {
  const repo = resolve(__dirname, '..', '..', '..', '..');

  it('are found beside the source, and from a compiled file anywhere below the checkout (a dist/ built without assets)', () => {
    expect(uiPublicDir(__dirname)).toBe(join(__dirname, 'public'));
    expect(uiPublicDir(join(repo, '.tmp', 'build', 'apps', 'api', 'src', 'ui'))).toBe(join(repo, 'apps', 'api', 'src', 'ui', 'public'));
  });

  it('outside any checkout, says where it looked', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ui-assets-'));
    try {
      expect(() => uiPublicDir(elsewhere)).toThrow(/apps\/api\/src\/ui\/public.*were not found/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('are a fixed map of the folder\'s files and Chart.js, each with its content type and an ETag', () => {
    const assets = loadUiAssets();
    expect([...assets.keys()].sort()).toEqual(['api.js', 'app.js', 'dom.js', 'index.html', 'pacing.js', 'proof.js', 'styles.css', 'timeline.js', 'vendor/chart.umd.min.js', 'verify.js']);
    expect(assets.get('index.html')!.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('styles.css')!.contentType).toBe('text/css; charset=utf-8');
    expect(assets.get('vendor/chart.umd.min.js')!.body.toString('utf8', 0, 200)).toContain('Chart.js v4');
    expect(new Set([...assets.values()].map((asset) => asset.etag)).size).toBe(assets.size);
  });

  it('no page has an inline script or style element (the CSP allows neither)', () => {
    for (const [name, asset] of loadUiAssets()) {
      if (!name.endsWith('.html')) continue;
      const html = asset.body.toString('utf8');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style\b/);
      expect(html).not.toMatch(/\son[a-z]+=/);
    }
  });
});
