import { SingleBar } from 'cli-progress';
import { openLedger, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';
import { ledgerPortSource, sqliteFileSource, VerifierSource, verifyLedger } from '@lead-ledger/audit/verify';
import { formatReport } from '../format';
import { openEmbeddedVault } from '@lead-ledger/pii';
import { checkPiiEnvelopes, formatPiiReport } from './pii-check';

export interface VerifyCommandOptions {
  ledgerUrl?: string;
  dataDir?: string;
  json: boolean;
  progress: boolean;
  workers: number;
  maxListed: number;
  /** Also check every sealed borrower envelope against <data-dir>/pii-keys.db and the master key (contact details are never printed). */
  pii?: boolean;
}

/** Runs `lead-ledger verify`; resolves to the exit code (0 clean, 1 violations, 2 usage or I/O error). */
export async function runVerify(options: VerifyCommandOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let source: VerifierSource;
  try {
    const location = parseLedgerUrl(options.ledgerUrl ?? process.env.LEDGER_URL, options.dataDir ?? process.env.DATA_DIR ?? './data');
    source =
      location.kind === 'sqlite'
        ? sqliteFileSource(location.path, { workers: options.workers })
        : ledgerPortSource(openLedger(location), { kind: 'esdb', location: redact(location.connectionString) });
  } catch (error) {
    io.stderr.write(`lead-ledger verify: ${(error as Error).message}\n`);
    return 2;
  }

  const bar = options.progress && io.stderr.isTTY ? progressBar(io.stderr) : null;
  const started = performance.now();
  let lastDraw = 0;
  try {
    const report = await verifyLedger(source, {
      maxListed: options.maxListed,
      onProgress: bar
        ? ({ events, position, head, violations }) => {
            const now = performance.now();
            if (now - lastDraw < 100) return;
            lastDraw = now;
            if (bar.getTotal() !== Number(head)) bar.setTotal(Number(head));
            bar.update(Number(position), { events: events.toLocaleString('en-US'), rate: Math.round(events / ((now - started) / 1000)).toLocaleString('en-US'), violations });
          }
        : undefined,
    });
    if (bar) {
      bar.update(bar.getTotal(), { events: report.events.toLocaleString('en-US'), rate: report.eventsPerSecond.toLocaleString('en-US'), violations: report.violationCounts ? Object.values(report.violationCounts).reduce((a, b) => a + (b ?? 0), 0) : 0 });
      bar.stop();
    }
    const pii = options.pii ? await piiCheck(options) : null;
    io.stdout.write(options.json ? `${JSON.stringify(pii ? { ...report, pii } : report, null, 2)}\n` : formatReport(report) + (pii ? formatPiiReport(pii) : ''));
    // An envelope that neither opens nor was erased is data lost outside the ledger, not a ledger violation: reported, exit unchanged.
    return report.ok ? 0 : 1;
  } catch (error) {
    bar?.stop();
    io.stderr.write(`lead-ledger verify: could not read the ledger: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function piiCheck(options: VerifyCommandOptions) {
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? './data';
  const vault = openEmbeddedVault(dataDir);
  const ledger = openLedger(parseLedgerUrl(options.ledgerUrl ?? process.env.LEDGER_URL, dataDir));
  try {
    return await checkPiiEnvelopes(ledger, vault);
  } finally {
    await ledger.close();
    await vault.store.close();
  }
}

function progressBar(stream: NodeJS.WriteStream): SingleBar {
  const bar = new SingleBar({
    stream,
    format: 'verifying |{bar}| {percentage}% | {events} events | {rate} events/s | {violations} violations | ETA {eta_formatted}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  bar.start(1, 0, { events: '0', rate: '0', violations: 0 });
  return bar;
}

/** Connection strings may carry credentials: show the host only. */
function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}
