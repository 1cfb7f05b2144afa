/**
 * Compiles the code the measuring child runs (apps/api, libs, projections, bench/exports) to plain
 * JavaScript under .tmp/bench-exports/, with the @lead-ledger/* aliases rewritten to relative
 * paths, so the child runs on plain `node` as the compiled CLI and server do. (Run through
 * @swc-node/register instead, the in-process TypeScript compiler alone adds ~75 MiB of RSS, which
 * would swamp the export's own memory.)
 */
import { transformFileSync } from '@swc/core';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../support';

// Under .tmp/ (git-ignored), not dist/: `nest build` empties dist/ and may run while a bench does.
export const COMPILED_ROOT = join(REPO_ROOT, '.tmp', 'bench-exports');
const SOURCES = ['apps/api/src', 'libs', 'projections', 'bench/exports'];

const PATHS = {
  '@lead-ledger/domain': ['libs/domain/src'],
  '@lead-ledger/domain/*': ['libs/domain/src/*'],
  '@lead-ledger/ledger': ['libs/ledger/src'],
  '@lead-ledger/ledger/*': ['libs/ledger/src/*'],
  '@lead-ledger/read-models': ['libs/read-models/src'],
  '@lead-ledger/read-models/*': ['libs/read-models/src/*'],
  '@lead-ledger/audit': ['libs/audit/src'],
  '@lead-ledger/audit/*': ['libs/audit/src/*'],
  '@lead-ledger/projections': ['projections'],
  '@lead-ledger/projections/*': ['projections/*'],
};

/** Returns the compiled path of `source` (a .ts file under the repository). */
export function compileForBench(): (source: string) => string {
  rmSync(COMPILED_ROOT, { recursive: true, force: true });
  for (const dir of SOURCES) {
    for (const file of tsFiles(join(REPO_ROOT, dir))) {
      const { code } = transformFileSync(file, {
        swcrc: false,
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          baseUrl: REPO_ROOT,
          paths: PATHS,
        },
        module: { type: 'commonjs' },
        sourceMaps: false,
      });
      const out = join(COMPILED_ROOT, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
    }
  }
  return (source) => join(COMPILED_ROOT, relative(REPO_ROOT, source)).replace(/\.ts$/, '.js');
}

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) yield path;
  }
}
