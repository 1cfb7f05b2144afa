import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HashJob } from './hash-worker';
import type { PageHashResult } from './page-hash';
import type { TreePiece } from './merkle-fold';

interface Pending {
  resolve(result: PageHashResult): void;
  reject(error: Error): void;
}

/**
 * Worker threads that hash pages of the embedded ledger in parallel with the main thread's checks.
 * Jobs go to the worker with the fewest in flight; results come back in any order and are matched
 * by id.
 */
export class HashPool {
  private readonly workers: Array<{ worker: Worker; inFlight: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(size: number) {
    const { file, execArgv } = workerEntry();
    for (let i = 0; i < size; i++) {
      const worker = new Worker(file, { execArgv, env: process.env });
      const slot = { worker, inFlight: 0 };
      worker.on('message', (message: { id: number; result?: PageHashResult; error?: string }) => {
        slot.inFlight--;
        const job = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) job?.reject(new Error(`hash worker: ${message.error}`));
        else job?.resolve(revive(message.result!));
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && this.pending.size > 0) this.fail(new Error(`hash worker exited with code ${code}`));
      });
      this.workers.push(slot);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  run(job: Omit<HashJob, 'id'>): Promise<PageHashResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const slot = this.workers.reduce((best, candidate) => (candidate.inFlight < best.inFlight ? candidate : best));
    slot.inFlight++;
    return new Promise<PageHashResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...job, id } satisfies HashJob);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}

/** Buffers arrive as plain Uint8Arrays after structured cloning. */
function revive(result: PageHashResult): PageHashResult {
  const piece = (p: TreePiece): TreePiece => ({ height: p.height, root: Buffer.from(p.root.buffer, p.root.byteOffset, p.root.byteLength) });
  return {
    ...result,
    pieces: result.pieces && result.pieces.map(piece),
    targets: result.targets.map((target) => ({ treeSize: target.treeSize, pieces: target.pieces.map(piece) })),
  };
}

/**
 * The worker's file: compiled JS next to this file when running from dist, else the TypeScript
 * source loaded through @swc-node/register (as `npm run verify` does before any build).
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const compiled = join(__dirname, 'hash-worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  const source = join(__dirname, 'hash-worker.ts');
  if (!process.env.SWC_NODE_PROJECT) process.env.SWC_NODE_PROJECT = resolve(__dirname, '../../../../tsconfig.json');
  return { file: source, execArgv: ['-r', require.resolve('@swc-node/register')] };
}
