/**
 * `npm run bench:projection`: projection throughput (events/s) of the Projector into the read store,
 * on one generated ledger, in one run:
 *   - the embedded MemoryReadStore (in process);
 *   - MongoReadStore through the official driver against the MongoDB wire-protocol STAND-IN
 *     (test/support/mongo-wire-standin.ts, in its own process): a JavaScript test double, not a
 *     MongoDB server, so this measures our client path plus the stand-in, not MongoDB;
 *   - MongoReadStore against a real server, when MONGODB_BENCH_URL is set (a database named
 *     `lead_ledger_projection_bench` is used and dropped).
 * Each run starts from empty read models and catches up from position 0 to the head in batches of
 * PROJECTION_BENCH_BATCH events (the projector app's catch-up path), then checks every store holds
 * the same documents. Writes the `projection` section of docs/benchmarks.md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { MemoryReadStore, Projector, ReadDocument, ReadStore } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { describeMachine } from '../machine';
import { writeSection } from '../report-sections';
import { generateLedger } from '../verify/generate-ledger';

const ROOT = resolve(__dirname, '../..');
const EVENTS = Number(process.env.PROJECTION_BENCH_EVENTS ?? 50_000);
const BATCH = Number(process.env.PROJECTION_BENCH_BATCH ?? 1000);
const ROUNDS = Number(process.env.PROJECTION_BENCH_ROUNDS ?? 3);

interface Run {
  label: string;
  rounds: Array<{ seconds: number; eventsPerSecond: number; batches: number; p50CommitMs: number; p99CommitMs: number }>;
  documents: Record<string, number>;
}

async function main() {
  const machine = describeMachine();
  const load = { start: loadavg()[0], end: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'projection-bench-'));
  let standin: { child: ChildProcess; url: string } | null = null;
  try {
    log(`generating a ledger of ≥ ${EVENTS.toLocaleString('en-US')} events …`);
    const generated = generateLedger(join(dir, 'ledger.db'), EVENTS);
    const ledger = SqliteLedger.open(generated.path);
    const head = (await ledger.headPosition())!;
    log(`  ${generated.events.toLocaleString('en-US')} events, ${generated.leads.toLocaleString('en-US')} leads`);

    standin = await startStandinProcess();
    const standinUrl = standin.url;
    const stores: Array<{ label: string; open: (round: number) => Promise<OpenStore> }> = [
      { label: 'embedded MemoryReadStore (in process)', open: async () => ({ store: new MemoryReadStore(), done: async () => {} }) },
      {
        label: 'MongoReadStore → MongoDB wire STAND-IN (not a MongoDB server; own process, loopback TCP)',
        open: (round) => mongoStore(standinUrl.replace('/?', `/projection_bench_${round}?`)),
      },
    ];
    if (process.env.MONGODB_BENCH_URL) {
      const url = process.env.MONGODB_BENCH_URL;
      stores.push({ label: 'MongoReadStore → real MongoDB server (MONGODB_BENCH_URL)', open: () => mongoStore(url, 'lead_ledger_projection_bench') });
    }
    const runs: Run[] = stores.map((s) => ({ label: s.label, rounds: [], documents: {} }));
    // Rounds alternate between the stores, so a burst of other work on the machine hits them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, candidate] of stores.entries()) await measureRound(runs[i], round, ledger, head, await candidate.open(round));
    }
    await ledger.close();
    load.end = loadavg()[0];

    // Same ledger, same projector: every store must end with the same documents per collection.
    for (const run of runs.slice(1)) {
      if (JSON.stringify(run.documents) !== JSON.stringify(runs[0].documents)) throw new Error(`${run.label} built ${JSON.stringify(run.documents)}, memory built ${JSON.stringify(runs[0].documents)}`);
    }
    writeSection(join(ROOT, 'docs/benchmarks.md'), 'projection', render(runs, generated.events, machine, load));
    log('wrote section "projection" of docs/benchmarks.md');
  } finally {
    standin?.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

interface OpenStore {
  store: ReadStore;
  done: () => Promise<void>;
}

async function measureRound(run: Run, round: number, ledger: SqliteLedger, head: bigint, { store, done }: OpenStore): Promise<void> {
  const commits: number[] = [];
  const projector = new Projector(ledger, store, ALL_PROJECTIONS, { batchSize: BATCH, onBatch: (batch) => commits.push(batch.ms), logger: { log: () => {}, warn: log } });
  const started = performance.now();
  await projector.catchUpOnce();
  const seconds = (performance.now() - started) / 1000;
  if (projector.position() !== head) throw new Error(`${run.label}: stopped at ${projector.position()}, head is ${head}`);
  const events = Number(head);
  commits.sort((a, b) => a - b);
  run.rounds.push({
    seconds,
    eventsPerSecond: events / seconds,
    batches: commits.length,
    p50CommitMs: commits[Math.floor(commits.length * 0.5)],
    p99CommitMs: commits[Math.min(commits.length - 1, Math.floor(commits.length * 0.99))],
  });
  for (const projection of ALL_PROJECTIONS) run.documents[projection.collection] = await store.collection<ReadDocument>(projection.collection).count({});
  log(`  ${run.label}, round ${round + 1}: ${Math.round(events / seconds).toLocaleString('en-US')} events/s (${seconds.toFixed(1)} s)`);
  await done();
}

async function mongoStore(url: string, dbName?: string): Promise<OpenStore> {
  const store = await MongoReadStore.connect(url, dbName ? { dbName } : {});
  await store.db.dropDatabase();
  return {
    store,
    done: async () => {
      await store.db.dropDatabase();
      await store.close();
    },
  };
}

/** The stand-in in its own process, as a server would be: it does not share the projector's event loop. */
function startStandinProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'test/support/mongo-wire-standin.ts'), '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = output.split('\n').find((line) => line.startsWith('mongodb://'));
      if (url) resolve({ child, url: url.trim() });
    });
    child.once('exit', (code) => reject(new Error(`the stand-in exited with ${code} before listening`)));
  });
}

function render(runs: Run[], events: number, machine: ReturnType<typeof describeMachine>, load: { start: number; end: number }): string {
  const best = (run: Run) => Math.max(...run.rounds.map((r) => r.eventsPerSecond));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const n0 = (value: number) => Math.round(value).toLocaleString('en-US');
  const memory = best(runs[0]);
  const rows = runs.map(
    (run) =>
      `| ${run.label} | ${n0(best(run))} | ${n0(median(run.rounds.map((r) => r.eventsPerSecond)))} | ${run.rounds.length} | ${median(run.rounds.map((r) => r.p50CommitMs)).toFixed(1)} / ${median(run.rounds.map((r) => r.p99CommitMs)).toFixed(1)} | ${(memory / best(run)).toFixed(1)}× |`,
  );
  const documents = Object.entries(runs[0].documents)
    .map(([collection, count]) => `${collection} ${n0(count)}`)
    .join(', ');
  return [
    '## Projection throughput',
    '',
    `Generated by \`npm run bench:projection\` on **${new Date().toISOString()}** (${machine.cpuModel} × ${machine.cpuCount}, ${machine.ramGiB.toFixed(1)} GiB, ${machine.os}, Node ${machine.node}, commit ${machine.commit}). Load average (1 min) ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end: the machine is shared, so other work lowers every number here.`,
    '',
    `The Projector (libs/read-models/src/projector.ts) catching up every read model (${ALL_PROJECTIONS.map((p) => p.collection).join(', ')}) from position 0 to the head of one generated embedded ledger of ${n0(events)} events (bench/verify/generate-ledger.ts: markets, officers, allocations, full lead lifecycles), in batches of ${n0(BATCH)} events: per batch and projection, one query for the documents the batch touches and one atomic commit of the changes with the checkpoint. Rounds alternate between the stores (memory, stand-in, memory, …), each from empty read models, so a burst of other work on the machine hits both alike; the ratio uses the best round of each. Every store ended with the same documents: ${documents}.`,
    '',
    '| read store | events/s (best) | events/s (median) | rounds | commit ms per batch, p50 / p99 (all projections) | memory ÷ this |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '- **The stand-in is not MongoDB.** It is the in-repo wire-protocol test double (JavaScript, in-memory, queries evaluated by mingo, transactions buffered in memory), run as its own process on loopback. Its numbers measure the driver path, BSON, the network hop and transactions per batch, not what a MongoDB server would do; a real server could be faster (native query engine) or slower (journal, replication). ' +
      (runs.some((r) => r.label.includes('real MongoDB')) ? 'The real-server row was measured in the same run.' : 'No real server was available on this machine; set `MONGODB_BENCH_URL=mongodb://…` to add one to the same run.'),
    '- **Live mode** commits one event at a time (one transaction per projection per event), so its throughput is bounded by commit latency, not by these batch numbers; the projector goes back to batched catch-up whenever it falls more than one batch behind.',
  ].join('\n');
}

const log = (line: string) => console.log(line);

main().catch((error) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
