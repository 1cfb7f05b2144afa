/**
 * `npm run demo [-- options]`: a month of demo data in DATA_DIR (default ./data), made through the
 * real command path in virtual time. Then `npm start` serves it (the demo month is the current
 * month up to now, so the system clock shows it as it stands), or pass --serve to serve it at once.
 */
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { DemoRefusedError, generateDemo } from './generate-demo';

const integer = (min: number, max: number) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
  return parsed;
};

const program = new Command('demo')
  .description('Generate a realistic month of leads through the real API, in virtual time')
  .option('--data-dir <dir>', 'data directory (its ledger must be empty)', process.env.DATA_DIR || './data')
  .option('--force', 'replace an existing ledger in the data directory', false)
  .option('--month <YYYY-MM>', 'month to generate (default: this month up to now; last month during the first week)')
  .option('--markets <n>', 'markets (1-4)', integer(1, 4), 4)
  .option('--officers <n>', 'officers with allocations', integer(1, 64), 24)
  .option('--supply <ratio>', 'leads offered ÷ leads contracted over the month', (value) => {
    const parsed = Number(value);
    if (!(parsed > 0 && parsed <= 5)) throw new InvalidArgumentError('a number above 0, at most 5');
    return parsed;
  }, 1.12)
  .option('--seed <n>', 'random seed', integer(0, 2 ** 31), 7)
  .option('--serve', 'keep serving the API and UI afterwards (manual clock at the demo\'s end)', false)
  .option('--port <port>', 'port for --serve', integer(0, 65535), Number(process.env.PORT || 3000))
  .option('--host <host>', 'bind address for --serve', process.env.HOST || '127.0.0.1');

async function main() {
  const options = program.parse().opts();
  if (options.month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month)) throw new DemoRefusedError('--month must be YYYY-MM');
  const { result, app, adminKey } = await generateDemo({
    dataDir: options.dataDir,
    force: options.force,
    month: options.month,
    markets: options.markets,
    officers: options.officers,
    supply: options.supply,
    seed: options.seed,
    log: (line) => console.log(line),
  });
  const { leads } = result;
  console.log(
    `demo ${result.month} up to ${result.until} in ${(result.ms / 1000).toFixed(1)} s (${result.requests} requests): ` +
      `${leads.created} leads, ${leads.routed} routes, ${leads.unroutable} unroutable, ${leads.delivered} delivered, ` +
      `${leads.deliveryFailures} delivery failures, ${leads.credited} credits, ${leads.repeatBorrowers} repeat borrowers`,
  );
  if (options.serve) {
    await app.listen({ port: options.port, host: options.host });
    console.log(`serving http://${options.host}:${options.port}/ui (CLOCK=manual at ${result.until}); the key: ${options.dataDir}/admin-api-key. Ctrl-C stops.`);
    return;
  }
  await app.close();
  console.log(`next: npm start, open http://127.0.0.1:3000/ui and paste the key from ${options.dataDir}/admin-api-key`);
  void adminKey;
}

main().catch((error) => {
  console.error(error instanceof DemoRefusedError ? `demo: ${error.message}` : error);
  process.exit(error instanceof DemoRefusedError ? 2 : 1);
});
