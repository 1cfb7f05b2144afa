import { createWriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { exportLeads, ExportRequestError, parseExportRequest } from '@lead-ledger/audit/export';
import { openLedger, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';
import { openEmbeddedVault, PiiVault } from '@lead-ledger/pii';

export interface ExportCommandOptions {
  ledgerUrl?: string;
  dataDir?: string;
  from?: string;
  to?: string;
  officer?: string;
  market?: string;
  status?: string;
  format?: string;
  include?: string;
  redact: boolean;
  /** Show borrower contact details, opened with the data dir's key store and master key; without it they are redacted. */
  pii?: boolean;
  output?: string;
}

/**
 * Runs `lead-ledger export`: the same export as `GET /v1/exports/leads`, recorded in the ledger
 * as made by `cli:<os user>`, streamed to a file or stdout. Without the API's read models it
 * selects leads by scanning the log (flat memory). Resolves to the exit code.
 */
export async function runExport(options: ExportCommandOptions, io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let request;
  try {
    request = parseExportRequest(
      Object.fromEntries(
        Object.entries({
          from: options.from,
          to: options.to,
          officerId: options.officer,
          marketId: options.market,
          status: options.status,
          format: options.format,
          include: options.include,
          redact: String(options.redact),
        }).filter(([, value]) => value !== undefined),
      ),
    );
  } catch (error) {
    if (error instanceof ExportRequestError) {
      io.stderr.write(`lead-ledger export: ${error.details.map((d) => `${d.field}: ${d.message}`).join('; ')}\n`);
      return 2;
    }
    throw error;
  }
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? './data';
  let vault: PiiVault | null = null;
  try {
    vault = options.pii ? openEmbeddedVault(dataDir) : null;
  } catch (error) {
    io.stderr.write(`lead-ledger export --pii: ${(error as Error).message}\n`);
    return 2;
  }
  const location = parseLedgerUrl(options.ledgerUrl ?? process.env.LEDGER_URL, dataDir);
  const ledger = openLedger(location);
  try {
    const output = options.output && options.output !== '-' ? createWriteStream(options.output) : io.stdout;
    const result = await exportLeads({
      ...request,
      ledger,
      actor: `cli:${userInfo().username}`,
      via: 'cli',
      pii: vault ? { reader: vault, canRead: true } : { reader: null, canRead: false },
      output,
      end: output !== io.stdout,
    });
    io.stderr.write(`export ${result.exportId}: ${result.leads} leads, ${result.rows} rows, sha256 ${result.sha256}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`lead-ledger export: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await ledger.close();
    await vault?.store.close();
  }
}
