/**
 * `npm run test:reliability`: the long versions of the reliability specs, then docs/reliability.md
 * with what they measured on this machine.
 *
 * - crash: CRASH_KILLS (default here 20) SIGKILLs of the API under load;
 * - race: RACE_SCALE (default here 2) × 1,125 simultaneous conflicting commands;
 * - fuzz: FUZZ_RUNS (default here 60,000) hostile requests against every endpoint.
 *
 * Each spec writes its numbers to RELIABILITY_RESULTS_DIR; the doc is written even when a spec
 * fails (it says so), and the exit code is non-zero then.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const DOC = join(ROOT, 'docs', 'reliability.md');
const resultsDir = mkdtempSync(join(tmpdir(), 'lead-ledger-reliability-results-'));
const knobs = {
  CRASH_KILLS: process.env.CRASH_KILLS || '20',
  RACE_SCALE: process.env.RACE_SCALE || '2',
  FUZZ_RUNS: process.env.FUZZ_RUNS || '60000',
  // A fresh fuzz sequence every full run (npm test keeps a fixed one).
  FUZZ_SEED: process.env.FUZZ_SEED || 'random',
};

interface SpecRun {
  name: string;
  spec: string;
  exitCode: number;
  seconds: number;
}

function runSpec(name: string, spec: string): SpecRun {
  const started = Date.now();
  console.log(`\n=== ${name}: ${spec} (${JSON.stringify(knobs)}) ===`);
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', spec], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...knobs, RELIABILITY_RESULTS_DIR: resultsDir },
  });
  return { name, spec, exitCode: run.status ?? 1, seconds: Math.round((Date.now() - started) / 1000) };
}

function results(name: string): any {
  const file = join(resultsDir, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

const started = new Date();
const runs = [runSpec('crash', 'test/reliability/crash.e2e.spec.ts'), runSpec('race', 'test/reliability/race.e2e.spec.ts'), runSpec('fuzz', 'test/reliability/fuzz.e2e.spec.ts')];
writeFileSync(DOC, render(runs, { crash: results('crash'), race: results('race'), fuzz: results('fuzz') }));
rmSync(resultsDir, { recursive: true, force: true });
console.log(`\nwrote ${DOC}`);
const failed = runs.filter((run) => run.exitCode !== 0);
if (failed.length > 0) console.error(`FAILED: ${failed.map((run) => run.name).join(', ')}`);
process.exitCode = failed.length > 0 ? 1 : 0;

function render(specRuns: SpecRun[], r: { crash: any; race: any; fuzz: any }): string {
  const cpu = cpus();
  const verdict = (name: string) => {
    const run = specRuns.find((s) => s.name === name)!;
    return `${run.exitCode === 0 ? 'PASSED' : `FAILED (jest exit ${run.exitCode})`} in ${run.seconds} s`;
  };
  const lines: string[] = [];
  lines.push('# Reliability: crashes, races and hostile input');
  lines.push('');
  lines.push('Written by `npm run test:reliability` (test/reliability/run-full.ts); regenerate it rather than editing it.');
  lines.push('How the tests work and what they prove: test/reliability and the README\'s reliability section.');
  lines.push('');
  lines.push(`- **Date**: ${started.toISOString()}`);
  lines.push(`- **Machine**: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${osType()} ${release()}, Node ${process.version}`);
  lines.push(`- **Settings**: CRASH_KILLS=${knobs.CRASH_KILLS}, RACE_SCALE=${knobs.RACE_SCALE}, FUZZ_RUNS=${knobs.FUZZ_RUNS}`);
  lines.push('');

  lines.push(`## Crash test (${verdict('crash')})`);
  lines.push('');
  if (r.crash) {
    const c = r.crash;
    lines.push('The API ran as a child process on an embedded ledger file; concurrent workers drove leads through create → score → route → (delivery failure → re-route) → deliver → (credit), each command with its own Idempotency-Key; the server was SIGKILLed at random moments (half of them while several commands were in flight) and restarted on the same data dir.');
    lines.push('');
    lines.push('| measure | value |');
    lines.push('|---|---|');
    lines.push(`| kills survived (SIGKILL + restart) | ${c.kills} |`);
    lines.push(`| concurrent workers | ${c.workers} |`);
    lines.push(`| commands sent | ${c.commandsSent} |`);
    lines.push(`| acknowledged (2xx) | ${c.acknowledged} (${Object.entries(c.acknowledgedByKind ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}) |`);
    lines.push(`| acknowledged and found in the ledger file at the acknowledged revision and position | ${c.acknowledgedFound} |`);
    lines.push(`| refused by a business rule (4xx), by status | ${JSON.stringify(c.refusedByStatus)} |`);
    lines.push(`| unanswered (connection killed in flight, never acknowledged later) | ${c.unanswered}, of which ${c.unansweredPresentBeforeResend} were fully applied and ${c.unanswered - c.unansweredPresentBeforeResend} not at all (none partially) |`);
    lines.push(`| retried by the client with the same key after a restart | ${c.retriedAfterRestart} |`);
    lines.push(`| events appended by resending every acknowledged command | ${c.appendedByAcknowledgedResends} |`);
    lines.push(`| commands applied twice (must be 0) | ${c.appliedTwice} |`);
    lines.push(`| 5xx answers | ${c.serverErrors} |`);
    lines.push(`| events in the ledger / leads | ${c.eventsInLedger} / ${c.leads} |`);
    lines.push(`| read-model GETs equal between the live server and a fresh rebuild | ${c.readModelPathsCompared} |`);
    lines.push(`| \`lead-ledger verify\` | exit ${c.verify.exitCode}, ok=${c.verify.ok}, ${c.verify.violations} violations |`);
    lines.push(`| duration | ${c.seconds} s |`);
  } else lines.push('No results were written (the spec failed before its summary).');
  lines.push('');

  lines.push(`## Race test (${verdict('race')})`);
  lines.push('');
  if (r.race) {
    const x = r.race.races;
    lines.push(`${r.race.requests} conflicting requests, each race sent at one instant (all sockets connected first, then every request written in the same tick); ${r.race.over499} answers ≥ 500.`);
    lines.push('');
    lines.push('| race | requests | outcome |');
    lines.push('|---|---|---|');
    if (x.sameLeadRoutes) lines.push(`| automatic routes of the same lead | ${x.sameLeadRoutes.requests} | ${x.sameLeadRoutes.leads.length} leads, exactly one 200 each; the rest 409 ${JSON.stringify(mergeCounts(x.sameLeadRoutes.leads.map((l: any) => l.conflicts)))}; one LeadRouted per lead in the file |`);
    if (x.lastSlots) lines.push(`| leads competing for the last slots | ${x.lastSlots.requests} | ${x.lastSlots.slotsLeft} slots left, ${x.lastSlots.routed} routed; others ${JSON.stringify(x.lastSlots.refusedByStatus)} ${JSON.stringify(x.lastSlots.codes)}; every allocation exactly full, none past it |`);
    if (x.doubleCredits) lines.push(`| double credits of a delivered lead | ${x.doubleCredits.requests} | ${x.doubleCredits.leads} leads, one credit each; the rest 409 ${JSON.stringify(x.doubleCredits.conflicts)}; one LeadCredited per lead |`);
    if (x.wrongOfficerDeliveries) lines.push(`| deliveries to the wrong officer (plus a few to the right one) | ${x.wrongOfficerDeliveries.requests} | all ${x.wrongOfficerDeliveries.wrongRefused} wrong ones 409; delivered once to the right officer per lead; ${JSON.stringify(x.wrongOfficerDeliveries.conflicts)} |`);
  } else lines.push('No results were written.');
  lines.push('');

  lines.push(`## Fuzz test (${verdict('fuzz')})`);
  lines.push('');
  if (r.fuzz) {
    const f = r.fuzz;
    lines.push(`${f.casesExecuted} requests (fast-check seed ${f.seed}) against all ${f.routesInApp.length} routes in the app's route table, through the real HTTP stack (Fastify inject) on a real ledger file.`);
    lines.push('');
    lines.push('| measure | value |');
    lines.push('|---|---|');
    lines.push(`| answers by class | ${Object.entries(f.byClass).map(([k, v]) => `${k}: ${v}`).join(', ')} |`);
    const known = (f.knownBugs ?? []).filter((b: any) => b.hits > 0);
    lines.push(`| answers ≥ 500 | ${f.byClass['5xx']}${known.length ? ` (all from known bugs: ${known.map((b: any) => `${b.id} × ${b.hits}`).join(', ')})` : ''} |`);
    lines.push(`| refusals that appended events | ${f.appendsByRefusals} |`);
    lines.push(`| new counterexample | ${f.failed ? `yes:\n\n\`\`\`\n${f.counterexample}\n\`\`\`\n` : 'none'} |`);
    lines.push(`| duration | ${f.seconds} s |`);
    lines.push('');
    lines.push('Answers per route:');
    lines.push('');
    lines.push('| route | answers by status |');
    lines.push('|---|---|');
    for (const [route, histogram] of Object.entries(f.routes)) lines.push(`| \`${route}\` | ${Object.entries(histogram as Record<string, number>).map(([s, n]) => `${s}: ${n}`).join(', ')} |`);
    lines.push('');
    lines.push('### Known bugs found by these tests, not yet fixed');
    lines.push('');
    for (const bug of f.knownBugs ?? []) lines.push(`- **${bug.id}** (fuzz; ${bug.hits} hits in this run): ${bug.description}.`);
  } else lines.push('No results were written.');
  for (const bug of r.crash?.knownBugs ?? []) lines.push(`- **${bug.id}** (crash test): ${bug.description}.`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}

function mergeCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const count of counts) for (const [k, v] of Object.entries(count)) merged[k] = (merged[k] ?? 0) + v;
  return merged;
}
