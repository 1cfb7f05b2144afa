/**
 * Worker thread: recomputes the hashes (and Merkle pieces) of one range of the embedded ledger,
 * reading the rows itself over its own read-only connection, so the main thread sends only
 * positions and receives only findings.
 */
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { hashPage, HashInput } from './page-hash';

export interface HashJob {
  id: number;
  path: string;
  /** Inclusive position range: exactly the rows of one page. */
  from: number;
  to: number;
  /** Leaf index of the first row. */
  start: number;
  targets: number[];
}

const connections = new Map<string, Database.Statement>();

function rangeStatement(path: string): Database.Statement {
  let statement = connections.get(path);
  if (statement === undefined) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    statement = db
      .prepare(
        `SELECT stream, revision, event_id, type, schema_version, recorded_at, data, metadata, hash, prev_hash
           FROM events WHERE position BETWEEN ? AND ? ORDER BY position`,
      )
      .raw(true);
    connections.set(path, statement);
  }
  return statement;
}

parentPort!.on('message', (job: HashJob) => {
  try {
    const rows = rangeStatement(job.path).all(job.from, job.to) as unknown[][];
    const events: HashInput[] = rows.map((row) => ({
      stream: row[0] as string,
      revision: row[1] as number,
      id: row[2] as string,
      type: row[3] as string,
      schemaVersion: row[4] as number,
      recordedAt: row[5] as string,
      data: row[6] as string,
      metadata: row[7] as string,
      hash: row[8] as string | null,
      prevHash: row[9] as string | null,
    }));
    parentPort!.postMessage({ id: job.id, result: hashPage(events, job.start, job.targets, true) });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: (error as Error).message });
  }
});
