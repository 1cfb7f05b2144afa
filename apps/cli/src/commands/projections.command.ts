import { Command, InvalidArgumentError, Option } from 'commander';
import { openLedger, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';
import { BlueGreenRebuildResult, rebuildBlueGreen, ReadStore } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';

export interface ProjectionsRebuildOptions {
  projection?: string;
  ledgerUrl?: string;
  dataDir?: string;
  mongodbUrl?: string;
  graceMs: number;
  batchSize: number;
  json: boolean;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** `lead-ledger projections rebuild [--projection name]`: blue/green rebuilds in MongoDB. */
export function addProjectionsCommand(program: Command): void {
  // Created through the parent, so it inherits exitOverride and the output settings.
  const projections = program.command('projections').description('Manage the read models kept in MongoDB (MONGODB_URL)');
  projections
    .command('rebuild')
    .description(
      'Rebuild read models blue/green: build each into a new collection from position 0 while readers keep using the current one,\n' +
        'switch readers atomically once it has caught up, then drop the old collection. Exit code: 0 done, 2 usage or I/O error.',
    )
    .addOption(new Option('--projection <name>', `one read model (${ALL_PROJECTIONS.map((p) => p.name).join(', ')}); default: all, one after another`))
    .addOption(new Option('--ledger-url <url>', 'sqlite:<path>, esdb://… (default: $LEDGER_URL, else sqlite:<data-dir>/ledger.db)'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded ledger lives (default: $DATA_DIR, else ./data)'))
    .addOption(new Option('--mongodb-url <url>', 'the read models\' database (default: $MONGODB_URL)'))
    .addOption(new Option('--grace-ms <ms>', 'keep the old collection this long after the switch, for readers holding the old alias').argParser(nonNegativeInt('--grace-ms')).default(5000))
    .addOption(new Option('--batch-size <n>', 'events per commit while building').argParser(nonNegativeInt('--batch-size')).default(1000))
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ProjectionsRebuildOptions) => {
      process.exitCode = await runProjectionsRebuild(options);
    });
}

/** Resolves to the exit code. */
export async function runProjectionsRebuild(options: ProjectionsRebuildOptions, io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const mongodbUrl = options.mongodbUrl ?? process.env.MONGODB_URL;
  if (!mongodbUrl) {
    io.stderr.write('lead-ledger projections rebuild: needs MONGODB_URL (or --mongodb-url); the embedded read models are rebuilt on every API start\n');
    return 2;
  }
  const chosen = options.projection ? ALL_PROJECTIONS.filter((p) => p.name === options.projection || p.collection === options.projection) : ALL_PROJECTIONS;
  if (chosen.length === 0) {
    io.stderr.write(`lead-ledger projections rebuild: no projection named "${options.projection}"; known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}\n`);
    return 2;
  }
  const ledger = openLedger(parseLedgerUrl(options.ledgerUrl ?? process.env.LEDGER_URL, options.dataDir ?? process.env.DATA_DIR ?? './data'));
  let store: ReadStore | null = null;
  try {
    const connected: ReadStore = await MongoReadStore.connect(mongodbUrl);
    store = connected;
    const results: BlueGreenRebuildResult[] = [];
    for (const projection of chosen) {
      if (!options.json) io.stderr.write(`rebuilding ${projection.name} …\n`);
      const result = await rebuildBlueGreen({
        ledger,
        store: connected,
        projection,
        graceMs: options.graceMs,
        batchSize: options.batchSize || undefined,
        logger: { log: (message) => !options.json && io.stderr.write(`  ${message}\n`), warn: (message) => io.stderr.write(`  ${message}\n`) },
      });
      results.push(result);
      if (!options.json) io.stdout.write(`${result.projection}: ${result.from} → ${result.to} (${result.documents} documents, position ${result.checkpoint ?? 'none'}, ${Math.round(result.ms)} ms)\n`);
    }
    if (options.json) io.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, checkpoint: r.checkpoint?.toString() ?? null, ms: Math.round(r.ms) })), null, 2)}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`lead-ledger projections rebuild: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await store?.close().catch(() => {});
    await ledger.close();
  }
}

function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer`);
    return n;
  };
}
