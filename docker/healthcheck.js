#!/usr/bin/env node
'use strict';
/**
 * Container health probe: `node docker/healthcheck.js <url> [timeoutMs]` exits 0 when the URL
 * answers 2xx within the timeout and 1 otherwise. The runtime image has no curl or wget (it is
 * node:*-slim plus our files), and Node's own fetch needs nothing extra. Docker keeps the last
 * lines of a probe's output in `docker inspect`, so a failure says why.
 */
const [url, timeoutArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node docker/healthcheck.js <url> [timeoutMs]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg) > 0 ? Number(timeoutArg) : 4000;

fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
  async (response) => {
    if (response.ok) process.exit(0);
    const body = await response.text().catch(() => '');
    console.error(`${url} answered ${response.status}: ${body.slice(0, 500)}`);
    process.exit(1);
  },
  (error) => {
    console.error(`${url} unreachable: ${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}`);
    process.exit(1);
  },
);
