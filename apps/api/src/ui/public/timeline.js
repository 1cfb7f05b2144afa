// Lead timeline: every event of the lead from the ledger, in order, with its hash and proof status,
// the routing decision explained, and downloads in the history endpoint's three formats.
import { getJson, getText } from './api.js';
import { download, el, errorBox, fmt } from './dom.js';
import { checkHistory } from './proof.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function renderTimeline(view, leadId, current) {
  const input = el('input', { id: 'lead-id', type: 'text', placeholder: 'lead id (UUID)', value: leadId ?? '', size: 40, 'aria-label': 'lead id', spellcheck: 'false' });
  const form = el('form', { class: 'controls', id: 'lead-form' }, el('label', {}, 'Lead ', input), el('button', { type: 'submit', text: 'Open' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/lead/${encodeURIComponent(input.value.trim())}`;
  });
  view.append(form);
  if (!leadId) {
    view.append(el('p', { class: 'muted', text: 'Enter a lead id, or click one of the recent leads on the pacing page.' }));
    return;
  }
  if (!UUID.test(leadId)) {
    view.append(errorBox({ code: 'VALIDATION_FAILED', message: 'a lead id is a UUID' }));
    return;
  }
  let history;
  try {
    history = await getJson(`/v1/leads/${leadId}/history`);
  } catch (error) {
    view.append(errorBox(error));
    return;
  }
  if (!current()) return;
  const checks = await checkHistory(history);
  if (!current()) return;

  const digest = history.proof.digest;
  const allIncluded = checks.every((check) => check.inclusion === 'ok');
  view.append(
    el(
      'section',
      { class: 'proof-summary', id: 'proof-summary' },
      el('h2', {}, `Lead ${leadId}`),
      el(
        'p',
        {},
        `${history.events.length} events. Proofs against digest of ${fmt.int(digest.treeSize)} events, root `,
        el('code', { title: digest.rootHash, text: fmt.hash(digest.rootHash) }),
        ` (recorded ${fmt.time(digest.digestedAt)}): `,
        el('strong', { class: allIncluded ? 'ok' : 'bad', id: 'proof-status', text: allIncluded ? 'every event is in the digest' : 'some proofs do not hold' }),
        '. Compare the root with one you pinned (GET /v1/ledger/digests/latest).',
      ),
      el('div', { class: 'downloads' }, ['json', 'csv', 'ndjson'].map((format) => el('button', { type: 'button', id: `download-${format}`, onclick: () => save(leadId, format), text: `Download ${format.toUpperCase()}` }))),
    ),
  );
  view.append(el('ol', { class: 'timeline', id: 'timeline' }, history.events.map((event, i) => eventItem(event, checks[i]))));
}

async function save(leadId, format) {
  const { text, type } = await getText(`/v1/leads/${leadId}/history?format=${format}`, format === 'json' ? 'application/json' : '*/*');
  download(`lead-${leadId}-history.${format}`, text, type);
}

function eventItem(event, check) {
  return el(
    'li',
    { class: `event ${event.type}`, dataset: { type: event.type, position: event.position } },
    el('header', {}, el('strong', { text: label(event.type) }), ` ${fmt.time(event.recordedAt)} · position ${event.position} · revision ${event.revision} · by ${event.metadata?.actor ?? '—'}`),
    details(event),
    el(
      'p',
      { class: 'hashes' },
      'hash ',
      el('code', { title: event.hash, text: fmt.hash(event.hash) }),
      ' prev ',
      el('code', { title: event.prevHash, text: fmt.hash(event.prevHash) }),
      ' ',
      badge('content', check.content, { ok: 'hash recomputed', differs: 'shown data does not hash to it (redacted?)', unavailable: 'not checked (needs https or localhost)' }),
      badge('link', check.link, { ok: 'chain link ok', broken: 'chain link broken', unavailable: '' }),
      badge('inclusion', check.inclusion, { ok: 'in the digest', failed: 'proof fails', unavailable: 'no proof' }),
    ),
  );
}

function badge(name, state, texts) {
  return el('span', { class: `badge ${state}`, dataset: { check: name, state }, text: texts[state] ?? state });
}

function label(type) {
  return { LeadCreated: 'created', LeadScored: 'scored', LeadRouted: 'routed', LeadUnroutable: 'not routable', LeadDelivered: 'delivered', LeadDeliveryFailed: 'delivery failed', LeadCredited: 'credited' }[type] ?? type;
}

function details(event) {
  const d = event.data ?? {};
  switch (event.type) {
    case 'LeadCreated':
      return el(
        'dl',
        {},
        pair('market', d.marketId ?? 'resolved at routing'),
        pair('borrower', borrowerText(event)),
        pair('property', d.property ? `${d.property.state} ${d.property.zip}` : '—'),
        pair('loan', d.loan ? `${d.loan.type}${d.loan.program ? ` / ${d.loan.program}` : ''}, ${fmt.int(d.loan.amount)}` : '—'),
        pair('credit tier', d.creditTier),
        pair('source', d.source ? [d.source.campaign, d.source.vendor].filter(Boolean).join(' / ') : '—'),
        pair('consent', d.consent ? `tcpa ${d.consent.tcpa}, captured ${fmt.time(d.consent.capturedAt)}` : '—'),
      );
    case 'LeadScored':
      return el('dl', {}, pair('score', `${d.score}${d.grade ? ` (${d.grade})` : ''}`), pair('model', d.model ?? '—'), pair('reasons', (d.reasons ?? []).join(', ') || '—'));
    case 'LeadRouted':
    case 'LeadUnroutable':
      return decision(d);
    case 'LeadDelivered':
      return el('dl', {}, pair('officer', d.officerId), pair('channel', d.channel), pair('receipt', d.receipt ?? '—'));
    case 'LeadDeliveryFailed':
      return el('dl', {}, pair('officer', d.officerId), pair('reason', d.reason));
    case 'LeadCredited':
      return el('dl', {}, pair('officer', d.officerId), pair('reason', d.reason), pair('note', d.note ?? '—'), pair('allocation', d.allocation ? `${d.allocation.officerId} ${d.allocation.month} @ ${d.allocation.marketId}` : '—'));
    default:
      return el('pre', { text: JSON.stringify(d, null, 2) });
  }
}

/**
 * What the API disclosed: contact details in `pii` (keys with pii:read), `{redacted: true}` for keys
 * without it, `{erased, erasedAt}` once the borrower was erased, plain `data.borrower` on events from
 * before sealing.
 */
function borrowerText(event) {
  const pii = event.pii;
  if (pii?.erased) return `erased${pii.erasedAt ? ` at ${fmt.time(pii.erasedAt)}` : ''} (personal data crypto-shredded)`;
  if (pii?.redacted) return 'redacted: this API key lacks pii:read';
  const shown = pii ?? event.data?.borrower;
  if (shown && (shown.firstName || shown.phone || shown.email)) return [[shown.firstName, shown.lastName].filter(Boolean).join(' '), shown.phone, shown.email].filter(Boolean).join(' · ');
  return 'sealed: this API key lacks pii:read';
}

function pair(name, value) {
  return [el('dt', { text: name }), el('dd', { text: value === undefined || value === null ? '—' : String(value) })];
}

function decision(data) {
  const decision = data.decision ?? {};
  if (decision.rule === 'override') {
    return el('div', { class: 'decision' }, el('p', {}, `Override to ${data.officerId} by ${decision.by}: “${decision.reason}”.`));
  }
  const candidates = [...(decision.candidates ?? [])].sort((a, b) => b.shortfall - a.shortfall);
  const winner = decision.winner ?? null;
  const rows = candidates.map((candidate) =>
    el(
      'tr',
      { class: candidate.officerId === winner ? 'winner' : '' },
      el('td', { text: candidate.officerId }),
      el('td', { class: 'n', text: fmt.int(candidate.allocation) }),
      el('td', { class: 'n', text: fmt.int(candidate.net) }),
      el('td', { class: 'n', text: fmt.num(candidate.expected, 2) }),
      el('td', { class: 'n', text: fmt.num(candidate.deficit, 2) }),
      el('td', { class: 'n', text: fmt.num(candidate.shortfall, 4) }),
    ),
  );
  return el(
    'div',
    { class: 'decision' },
    el('p', {}, winner ? `Rule ${decision.rule} v${decision.ruleVersion} chose ${winner}: ${whyWinner(candidates, winner)}` : `No eligible officer${decision.refusal ? ` (${decision.refusal})` : ''}.`),
    candidates.length
      ? el('table', { class: 'candidates' }, el('thead', {}, el('tr', {}, ['candidate', 'allocation', 'net', 'expected', 'deficit', 'shortfall'].map((h) => el('th', { text: h })))), el('tbody', {}, rows))
      : null,
    (decision.excluded ?? []).length
      ? el('ul', { class: 'excluded' }, decision.excluded.map((exclusion) => el('li', {}, el('strong', { text: exclusion.officerId }), ` excluded: ${exclusion.reasons.join(', ')}`)))
      : null,
  );
}

/** The rule's order: shortfall (ties within 1e-9), then larger deficit, then earlier last delivery, then id. */
function whyWinner(candidates, winnerId) {
  const winner = candidates.find((candidate) => candidate.officerId === winnerId);
  if (!winner) return 'the winner is not among the candidates listed.';
  const others = candidates.filter((candidate) => candidate.officerId !== winnerId);
  if (others.length === 0) return 'the only eligible officer.';
  const next = others[0];
  if (winner.shortfall - next.shortfall > 1e-9) return `the largest shortfall, ${fmt.num(winner.shortfall, 4)} (next: ${next.officerId} at ${fmt.num(next.shortfall, 4)}).`;
  const tied = others.filter((other) => Math.abs(other.shortfall - winner.shortfall) <= 1e-9);
  if (tied.every((other) => winner.deficit > other.deficit)) return `tied on shortfall with ${tied.map((t) => t.officerId).join(', ')}; the larger deficit (${fmt.num(winner.deficit, 2)}) wins.`;
  return `tied on shortfall and deficit with ${tied.map((t) => t.officerId).join(', ')}; the earlier last delivery, then the officer id, decides.`;
}
