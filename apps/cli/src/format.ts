import type { CheckName, VerificationReport } from '@lead-ledger/audit/verify';

const CHECK_TITLES: Record<CheckName, string> = {
  chain: 'Chain integrity',
  digests: 'Merkle digests',
  exclusivity: 'Exclusivity',
  pace: 'Pace rule (v1 re-derived)',
  allocation: 'Allocation',
};

/** The human report: verdict per check, violations, notices, overrides, then the officer × month table. */
export function formatReport(report: VerificationReport): string {
  const lines: string[] = [];
  const n = (value: number) => value.toLocaleString('en-US');
  lines.push(`Lead Ledger verification: ${report.ledger.kind} ${report.ledger.location}`);
  lines.push(
    `${n(report.events)} events in ${n(report.streams)} streams, positions up to ${report.lastPosition ?? '-'}, read in ${(report.elapsedMs / 1000).toFixed(2)} s (${n(report.eventsPerSecond)} events/s, peak RSS ${Math.round(report.memory.peakRssBytes / 1048576)} MiB)`,
  );
  lines.push('');
  for (const name of Object.keys(CHECK_TITLES) as CheckName[]) {
    const check = report.checks[name];
    const checked = Object.entries(check.checked)
      .map(([what, count]) => `${n(count)} ${what}`)
      .join(', ');
    const verdict = check.violations === 0 ? 'ok' : `${n(check.violations)} violation${check.violations === 1 ? '' : 's'}`;
    lines.push(`  ${(CHECK_TITLES[name] + ' ').padEnd(28, '.')} ${verdict.padEnd(16)} (${checked || 'nothing to check'})`);
  }
  lines.push('');
  lines.push(report.ok ? 'RESULT: OK, no violations.' : `RESULT: ${n(Object.values(report.violationCounts).reduce((a, b) => a + (b ?? 0), 0))} VIOLATIONS.`);

  if (report.violations.length > 0) {
    lines.push('', 'Violations (position, stream, revision, kind: what):');
    for (const v of report.violations) lines.push(`  @${v.position}  ${v.stream} r${v.revision}  ${v.kind}: ${v.message}`);
    if (report.violationsNotListed > 0) lines.push(`  … and ${n(report.violationsNotListed)} more (--max-listed)`);
  }
  if (report.notices.length > 0) {
    lines.push('', 'Notices (not violations):');
    for (const notice of report.notices) lines.push(`  ${notice.position ? `@${notice.position}  ${notice.stream}  ` : ''}${notice.kind}: ${notice.message}`);
    if (report.noticesNotListed > 0) lines.push(`  … and ${n(report.noticesNotListed)} more`);
  }
  lines.push('', `Overrides (${n(report.overrides.length + report.overridesNotListed)}, operator's choice, outside rule v1):`);
  if (report.overrides.length === 0) lines.push('  none');
  for (const o of report.overrides) {
    lines.push(`  @${o.position}  lead ${o.leadId} → ${o.officerId}${o.allocation ? ` (counts against ${o.allocation})` : ' (no allocation)'} by ${o.by} at ${o.at}: "${o.reason}"${o.pastAllocation ? '  [past allocation]' : ''}`);
  }
  if (report.overridesNotListed > 0) lines.push(`  … and ${n(report.overridesNotListed)} more`);

  lines.push('', 'Per officer per month (net = delivered − credited; fulfilment = net ÷ contracted):');
  const header = ['officer', 'month', 'market', 'contracted', 'assigned', 'delivered', 'credited', 'net', 'fulfilment'];
  const rows = report.officerMonths.map((row) => [
    row.officerId,
    row.month,
    row.marketId ?? '(none)',
    row.contracted === null ? '-' : String(row.contracted),
    String(row.assigned),
    String(row.delivered),
    String(row.credited),
    String(row.net),
    row.fulfilment === null ? '-' : `${(row.fulfilment * 100).toFixed(1)} %${row.cancelled ? ' (cancelled)' : ''}`,
  ]);
  if (rows.length === 0) lines.push('  no allocations');
  else {
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
    const render = (cells: string[]) => '  ' + cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
    lines.push(render(header));
    for (const row of rows) lines.push(render(row));
  }
  lines.push('', `Merkle: ${n(report.merkle.verified)} of ${n(report.merkle.digests)} digests verified; root of all ${n(report.merkle.treeSize)} events: ${report.merkle.rootHash ?? '-'}`);
  return lines.join('\n') + '\n';
}
