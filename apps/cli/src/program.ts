import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
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
    .addOption(
      new Option('--workers <n>', 'hash worker threads for the embedded ledger (0: hash on the main thread)')
        .argParser(nonNegativeInt('--workers'))
        .default(Math.max(1, Math.min(4, availableParallelism() - 1))),
    )
    .addOption(new Option('--max-listed <n>', 'list at most this many violations, notices and overrides (counts stay complete)').argParser(nonNegativeInt('--max-listed')).default(1000))
    .action(async (options) => {
      process.exitCode = await runVerify(options);
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
