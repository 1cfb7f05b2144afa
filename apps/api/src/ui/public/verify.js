// Verify panel: runs the ledger verifier in the background on the server and polls its progress.
import { getJson, postJson } from './api.js';
import { el, errorBox, fmt } from './dom.js';

const POLL_MS = 400;

export async function renderVerify(view, current) {
  const button = el('button', { type: 'button', id: 'run-verify', text: 'Verify the ledger now' });
  const bar = el('progress', { id: 'verify-progress', max: 1, value: 0 });
  const progressText = el('span', { id: 'verify-progress-text', class: 'muted', text: 'not started' });
  const result = el('section', { id: 'verify-result' });
  view.append(
    el('section', { class: 'controls' }, button, bar, progressText),
    el('p', { class: 'muted', text: 'Checks every event\'s hash and chain link, the Merkle digests, exclusivity, the pace rule (each automatic decision re-derived) and allocations, as `lead-ledger verify` does. It runs on the server off the request thread.' }),
    result,
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    result.replaceChildren();
    try {
      let job = await postJson('/v1/ledger/verifications', {});
      while (job.status === 'running') {
        show(job);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (!current()) return;
        job = await getJson(`/v1/ledger/verifications/${job.id}`);
      }
      show(job);
      result.replaceChildren(job.status === 'succeeded' ? summary(job.summary) : errorBox({ code: 'VERIFICATION_FAILED', message: job.error }));
    } catch (error) {
      result.replaceChildren(errorBox(error));
    } finally {
      button.disabled = false;
    }
  });

  function show(job) {
    bar.value = job.progress.fraction;
    progressText.textContent = `${job.status}: ${fmt.int(job.progress.events)} events, position ${job.progress.position} of ${job.progress.head ?? '?'}, ${fmt.int(job.progress.violations)} violations`;
  }
}

function summary(report) {
  const checks = Object.entries(report.checks).map(([name, check]) =>
    el(
      'tr',
      { dataset: { check: name } },
      el('td', { text: name }),
      el('td', { text: Object.entries(check.checked).map(([what, count]) => `${fmt.int(count)} ${what}`).join(', ') }),
      el('td', { class: `n ${check.violations ? 'bad' : 'ok'}`, text: fmt.int(check.violations) }),
    ),
  );
  return el(
    'div',
    { class: 'verify-summary' },
    el('h2', {}, el('span', { id: 'verify-verdict', class: report.ok ? 'ok' : 'bad', text: report.ok ? 'Ledger verified: no violations' : 'Violations found' })),
    el('p', {}, `${fmt.int(report.events)} events in ${fmt.int(report.streams)} streams, up to position ${report.lastPosition ?? '—'}, in ${fmt.num(report.elapsedMs / 1000, 2)} s (${fmt.int(report.eventsPerSecond)} events/s).`),
    el('p', {}, `Merkle: ${report.merkle.verified} of ${report.merkle.digests} digests verified; root over ${fmt.int(report.merkle.treeSize)} events `, el('code', { title: report.merkle.rootHash ?? '', text: fmt.hash(report.merkle.rootHash) }), ' — pin it.'),
    el('table', { class: 'checks', id: 'verify-checks' }, el('thead', {}, el('tr', {}, ['check', 'checked', 'violations'].map((h) => el('th', { text: h })))), el('tbody', {}, checks)),
    report.violations.length
      ? el('ol', { class: 'violations' }, report.violations.map((v) => el('li', {}, el('strong', { text: v.kind }), ` at position ${v.position} (${v.stream} r${v.revision}): ${v.message}`)))
      : null,
    report.notices.length ? el('ul', { class: 'notices' }, report.notices.map((n) => el('li', {}, el('strong', { text: n.kind }), ` ${n.message}`))) : null,
  );
}
