import { CommanderError } from 'commander';
import { buildProgram, EXIT_USAGE } from './program';

/** `lead-ledger <command>`: exit 0 clean, 1 violations found, 2 usage or I/O error. */
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(`lead-ledger: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = EXIT_USAGE;
  });
