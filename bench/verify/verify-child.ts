/**
 * One verification run in its own process, so its memory is measured alone:
 *   node -r @swc-node/register bench/verify/verify-child.ts <ledger.db> <workers>
 * Prints one JSON line: the report's numbers, an RSS timeline and the process's peak RSS. Run with
 * --expose-gc, each sample is taken after a full collection (the heap the verifier really keeps).
 */
import { sqliteFileSource, verifyLedger } from '../../libs/audit/src/verify';

async function main() {
  const [path, workersArg] = process.argv.slice(2);
  const workers = Number(workersArg ?? 1);
  const samples: Array<{ events: number; streams: number; rssBytes: number; heapUsedBytes: number }> = [];
  const baselineRssBytes = process.memoryUsage.rss();
  const source = sqliteFileSource(path, { workers });
  let nextSample = 0;
  const report = await verifyLedger(source, {
    maxListed: 20,
    onProgress: ({ events, streams, position, head }) => {
      if (Number(position) < nextSample) return;
      nextSample = Number(position) + Number(head) / 20;
      // With --expose-gc, the heap after a full collection: what the verifier really keeps.
      (globalThis as { gc?: () => void }).gc?.();
      samples.push({ events, streams, rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed });
    },
  });
  await source.close();
  const { violations, notices, overrides, officerMonths, ...numbers } = report;
  process.stdout.write(
    JSON.stringify({
      workers,
      baselineRssBytes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      samples,
      report: { ...numbers, firstViolations: violations.slice(0, 5), notices: notices.length, overrides: overrides.length + report.overridesNotListed, officerMonths: officerMonths.length },
    }) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(2);
});
