/**
 * The pre-fill in its own process, spawned by run-routing-scale.ts with a larger V8 young generation
 * (`--max-semi-space-size`): a million short-lived event objects otherwise spend a sixth of the
 * fill in scavenges. The app is measured in a separate process with default flags.
 *
 * Usage: prefill-child.ts <ledgerPath> <events> <resultFile>
 */
import { writeFileSync } from 'node:fs';
import { prefill } from './prefill';
import { planFor } from './scenario';
import { formatSize } from './stats';

async function main(): Promise<void> {
  const [ledgerPath, eventsArg, resultFile] = process.argv.slice(2);
  const size = Number(eventsArg);
  const result = await prefill(ledgerPath, planFor(size), (events, seconds) =>
    process.stderr.write(`[routing-scale] ${formatSize(size)}: … ${events.toLocaleString('en-US')} events in ${seconds.toFixed(0)} s\n`),
  );
  writeFileSync(resultFile, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
