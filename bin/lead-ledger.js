#!/usr/bin/env node
'use strict';
/**
 * `npx lead-ledger <command>`: runs the compiled CLI (dist/, from `npm run build`) when there is
 * one, else the TypeScript source through @swc-node/register, so it works right after
 * `npm install`. LEAD_LEDGER_FROM_SOURCE=1 forces the source.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

if (existsSync(compiled) && process.env.LEAD_LEDGER_FROM_SOURCE !== '1') {
  require(compiled);
} else {
  // Path aliases (@lead-ledger/*) come from the repository's tsconfig, wherever the CLI is run from.
  process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(root, 'tsconfig.json');
  require('@swc-node/register');
  require(join(root, 'apps', 'cli', 'src', 'main.ts'));
}
