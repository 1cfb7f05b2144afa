import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { runExport } from './commands/export.command';
import { KNOWN_SCOPES, runKeysCreate } from './commands/keys.command';
import { runReplay } from './commands/replay.command';
import { addProjectionsCommand } from './commands/projections.command';
import { runVerify } from './commands/verify.command';

export const EXIT_OK = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('lead-ledger')
    .description('Lead Ledger command line tools')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError();

  program
    .command('verify')
    .description(
      'Read the whole ledger from position 0 and check chain integrity, Merkle digests, exclusivity, the pace rule and allocation.\n' +
        'Exit code: 0 clean, 1 violations found, 2 usage or I/O error.',
    )
    .addOption(new Option('--ledger-url <url>', 'sqlite:<path>, esdb://… or kurrentdb://… (default: $LEDGER_URL, else sqlite:<data-dir>/ledger.db)'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded ledger lives (default: $DATA_DIR, else ./data)'))
    .option('--json', 'print the report as JSON on stdout', false)
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('--pii', 'also check every sealed borrower envelope opens or was erased, with <data-dir>/pii-keys.db and the PII master key (contact details are never printed)', false)
    .addOption(
      new Option('--workers <n>', 'hash worker threads for the embedded ledger (0: hash on the main thread)')
        .argParser(nonNegativeInt('--workers'))
        .default(Math.max(1, Math.min(4, availableParallelism() - 1))),
    )
    .addOption(new Option('--max-listed <n>', 'list at most this many violations, notices and overrides (counts stay complete)').argParser(nonNegativeInt('--max-listed')).default(1000))
    .action(async (options) => {
      process.exitCode = await runVerify(options);
    });
  program
    .command('export')
    .description('Export leads (and their events) as NDJSON or CSV, recorded in the ledger as a CLI export.')
    .addOption(new Option('--ledger-url <url>', 'sqlite:<path>, esdb://… (default: $LEDGER_URL, else sqlite:<data-dir>/ledger.db)'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded ledger lives (default: $DATA_DIR, else ./data)'))
    .option('--from <time>', 'leads created at or after (ISO time with zone, or YYYY-MM-DD)')
    .option('--to <time>', 'leads created before')
    .option('--officer <officerId>', 'leads held by this officer')
    .option('--market <marketId>', 'leads in this market')
    .option('--status <status>', 'new, scored, routed, delivered or credited')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--include <include>', 'events (one row per event) or summary (one row per lead)', 'events')
    .option('--redact', 'mask borrower phone, email, names and IP', false)
    .option('--pii', 'show borrower contact details, opened with <data-dir>/pii-keys.db and the PII master key (PII_MASTER_KEY, PII_MASTER_KEY_FILE or <data-dir>/pii-master-key); default: redacted', false)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (options) => {
      process.exitCode = await runExport(options);
    });

  program
    .command('replay')
    .description('Rebuild every read model from the ledger (position 0 to head) and report what was built.')
    .addOption(new Option('--ledger-url <url>', 'sqlite:<path>, esdb://… (default: $LEDGER_URL, else sqlite:<data-dir>/ledger.db)'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded ledger lives (default: $DATA_DIR, else ./data)'))
    .option('--json', 'print the result as JSON', false)
    .option('--no-progress', 'no progress bar')
    .action(async (options) => {
      process.exitCode = await runReplay(options);
    });
  addProjectionsCommand(program);

  program
    .command('keys')
    .description('Manage API keys')
    .command('create')
    .description('Make a new API key: prints its secret once, and the API_KEYS entry (id, sha256, scopes) for the service configuration.')
    .requiredOption('--id <id>', 'the key id; events it writes record the actor key:<id>')
    .requiredOption('--scopes <scopes>', `comma-separated scopes: ${KNOWN_SCOPES}`)
    .option('--json', 'print {secret, entry} as JSON', false)
    .action(async (options) => {
      process.exitCode = await runKeysCreate(options);
    });
  return program;
}

function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer`);
    return n;
  };
}
