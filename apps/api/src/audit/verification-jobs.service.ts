import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ledgerPortSource, verifyLedger } from '@lead-ledger/audit/verify';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { Clock } from '../clock/clock';
import { AppConfig } from '../config/config';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import type { VerificationWorkerInput, VerificationWorkerMessage } from './verification-jobs.worker';
import { VerificationJobView } from './verification-jobs.dto';

/** Jobs kept for reading back; older finished ones are forgotten (they are not ledger facts). */
const KEPT_JOBS = 20;
/** Entries per list in a job's summary; counts stay complete. */
const LISTED = 100;

type Job = VerificationJobView & { stop(): Promise<void> };

/**
 * Background runs of the ledger verifier (libs/audit verify), for the UI's verify panel. On the
 * embedded ledger a run reads the file in a worker thread; on EventStoreDB it reads through the port
 * page by page on this thread, awaiting I/O between pages, so requests are served in between. One
 * run at a time: asking again while one runs answers with that run.
 */
@Injectable()
export class VerificationJobs implements OnApplicationShutdown {
  private readonly jobs = new Map<string, Job>();
  private readonly byIdempotencyKey = new Map<string, string>();
  private readonly logger = new Logger('VerificationJobs');

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Starts a run, or returns the one already running (`started: false`). */
  start(requestedBy: string, idempotencyKey?: string): { job: VerificationJobView; started: boolean } {
    const replayed = idempotencyKey === undefined ? undefined : this.jobs.get(this.byIdempotencyKey.get(`${requestedBy}\n${idempotencyKey}`) ?? '');
    if (replayed) return { job: view(replayed), started: false };
    const running = [...this.jobs.values()].find((job) => job.status === 'running');
    if (running) return { job: view(running), started: false };

    const job: Job = {
      id: randomUUID(),
      status: 'running',
      startedAt: this.clock.nowIso(),
      finishedAt: null,
      requestedBy,
      progress: { events: 0, streams: 0, position: '0', head: null, fraction: 0, violations: 0 },
      summary: null,
      error: null,
      stop: async () => undefined,
    };
    this.jobs.set(job.id, job);
    if (idempotencyKey !== undefined) this.byIdempotencyKey.set(`${requestedBy}\n${idempotencyKey}`, job.id);
    this.forgetOldJobs();
    if (this.config.ledger.kind === 'sqlite') this.runInWorker(job, this.config.ledger.path);
    else void this.runInSlices(job);
    return { job: view(job), started: true };
  }

  get(id: string): VerificationJobView | null {
    const job = this.jobs.get(id);
    return job ? view(job) : null;
  }

  async onApplicationShutdown() {
    await Promise.all([...this.jobs.values()].map((job) => job.stop()));
  }

  private runInWorker(job: Job, path: string) {
    const { file, execArgv } = workerEntry();
    const input: VerificationWorkerInput = { path, maxListed: LISTED };
    const worker = new Worker(file, { workerData: input, execArgv, env: process.env });
    job.stop = async () => {
      await worker.terminate();
    };
    worker.on('message', (message: VerificationWorkerMessage) => {
      if (message.kind === 'progress') this.progress(job, message);
      else if (message.kind === 'report') this.finish(job, message.report as Record<string, unknown>);
      else this.fail(job, message.message);
    });
    worker.on('error', (error) => this.fail(job, error.message));
    worker.on('exit', (code) => {
      if (job.status === 'running') this.fail(job, `the verifier stopped (exit code ${code})`);
    });
  }

  private async runInSlices(job: Job) {
    // The port source would close the ledger it reads when done: this one is the app's, so keep it open.
    const source = { ...ledgerPortSource(this.ledger, { kind: 'esdb', location: 'EventStoreDB' }), close: async () => undefined };
    let stopped = false;
    job.stop = async () => {
      stopped = true;
    };
    try {
      const report = await verifyLedger(source, {
        maxListed: LISTED,
        onProgress: (progress) => {
          if (stopped) throw new Error('the service is shutting down');
          this.progress(job, { ...progress, position: progress.position.toString(), head: progress.head.toString() });
        },
      });
      this.finish(job, report as unknown as Record<string, unknown>);
    } catch (error) {
      this.fail(job, (error as Error).message);
    }
  }

  private progress(job: Job, progress: { events: number; streams: number; position: string; head: string; violations: number }) {
    const head = Number(progress.head);
    job.progress = { ...progress, fraction: head > 0 ? Math.min(1, Number(progress.position) / head) : 0 };
  }

  private finish(job: Job, report: Record<string, unknown>) {
    if (job.status !== 'running') return;
    const head = (report.ledger as { headPosition: string | null }).headPosition;
    job.progress = {
      events: Number(report.events),
      streams: Number(report.streams),
      position: String(report.lastPosition ?? '0'),
      head,
      fraction: 1,
      violations: Object.values(report.violationCounts as Record<string, number>).reduce((sum, count) => sum + count, 0),
    };
    job.summary = report;
    job.status = 'succeeded';
    job.finishedAt = this.clock.nowIso();
  }

  private fail(job: Job, message: string) {
    if (job.status !== 'running') return;
    this.logger.warn(`verification ${job.id} failed: ${message}`);
    job.status = 'failed';
    job.error = message;
    job.finishedAt = this.clock.nowIso();
  }

  private forgetOldJobs() {
    const finished = [...this.jobs.values()].filter((job) => job.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, this.jobs.size - KEPT_JOBS))) this.jobs.delete(job.id);
    const kept = new Set(this.jobs.keys());
    for (const [key, id] of this.byIdempotencyKey) if (!kept.has(id)) this.byIdempotencyKey.delete(key);
  }
}

function view(job: Job): VerificationJobView {
  const { stop: _stop, ...rest } = job;
  return { ...rest, progress: { ...rest.progress } };
}

/** The worker's file: compiled JS beside this file (dist), else the TypeScript source through @swc-node/register. */
function workerEntry(): { file: string; execArgv: string[] } {
  const compiled = join(__dirname, 'verification-jobs.worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  if (!process.env.SWC_NODE_PROJECT) process.env.SWC_NODE_PROJECT = resolve(__dirname, '../../../../tsconfig.json');
  return { file: join(__dirname, 'verification-jobs.worker.ts'), execArgv: ['-r', require.resolve('@swc-node/register')] };
}
