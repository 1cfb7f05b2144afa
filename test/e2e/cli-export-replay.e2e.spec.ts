import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runExport } from '../../apps/cli/src/commands/export.command';
import { runReplay } from '../../apps/cli/src/commands/replay.command';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

describe('lead-ledger export and replay, on a ledger the real app wrote', () => {
  let api: RunningApp;
  let leadId: string;
  beforeAll(async () => {
    api = await startApp();
    await api.http.put('/v1/officers/lo-cli').send({ name: 'Cli Officer', nmlsId: '424242', licensedStates: ['TX'], active: true }).expect(201);
    leadId = (await api.http.post('/v1/leads').send(aLeadBody()).expect(201)).body.leadId;
    await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 70 }).expect(200);
    await api.http.post(`/v1/leads/${leadId}/route`).send({ officerId: 'lo-cli', reason: 'cli test' }).expect(200);
    await api.stop();
  });
  afterAll(async () => api.close());

  it("exports the lead's events as CSV to a file, masks PII on request, and records the export in the ledger", async () => {
    const output = join(api.dataDir, 'export.csv');
    const stderr = capture();
    const code = await runExport({ dataDir: api.dataDir, format: 'csv', include: 'events', redact: true, output }, { stdout: process.stdout, stderr: stderr.stream as never });
    expect(code).toBe(0);
    const rows = parse(readFileSync(output, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const leadEvents = api.eventsInFile(`lead-${leadId}`);
    expect(rows.map((row) => row.type)).toEqual(leadEvents.map((event) => event.type));
    expect(readFileSync(output, 'utf8')).not.toContain('2145550123');
    const recorded = api.eventsInFile().filter((event) => event.stream.startsWith('export-'));
    expect(recorded.map((event) => event.type)).toEqual(['LeadsExportStarted', 'LeadsExportCompleted']);
    expect(recorded[0].data).toMatchObject({ via: 'cli', redacted: true });
    expect(stderr.text()).toMatch(/1 leads/);
  });

  it('refuses a bad option with exit code 2 and records nothing', async () => {
    const before = api.countEvents();
    const stderr = capture();
    expect(await runExport({ dataDir: api.dataDir, status: 'lost', redact: false }, { stdout: process.stdout, stderr: stderr.stream as never })).toBe(2);
    expect(stderr.text()).toMatch(/status/);
    expect(api.countEvents()).toBe(before);
  });

  it('replays every read model from the ledger', async () => {
    const stdout = capture();
    expect(await runReplay({ dataDir: api.dataDir, json: true, progress: false }, { stdout: stdout.stream as never, stderr: process.stderr })).toBe(0);
    const report = JSON.parse(stdout.text());
    expect(report.events).toBe(api.countEvents());
    const documents = Object.fromEntries(report.projections.map((p: { collection: string; documents: number }) => [p.collection, p.documents]));
    expect(documents).toMatchObject({ officers_v1: 1, leads_v1: 1, borrower_routes_v1: 2 });
  });
});

function capture() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
