// Pacing: per officer, cumulative net over the month against the expected pace line (the rule's
// expected(t), computed by the API) and the allocation line, with credits marked; and the table.
import { getJson } from './api.js';
import { el, errorBox, fmt } from './dom.js';

const charts = new Map();

export async function renderPacing(view, params, current) {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  let markets;
  try {
    markets = await getJson('/v1/markets');
  } catch (error) {
    view.append(errorBox(error));
    return;
  }
  if (!current()) return;
  if (markets.markets.length === 0) {
    view.append(el('p', { class: 'empty', text: 'No markets yet. `npm run demo` generates a month of demo data.' }));
    return;
  }
  const marketId = params.get('market') ?? markets.markets[0].marketId;
  const market = markets.markets.find((candidate) => candidate.marketId === marketId) ?? markets.markets[0];
  const month = params.get('month') ?? defaultMonth(market, markets.asOf);

  const marketSelect = el('select', { id: 'market', 'aria-label': 'market' }, markets.markets.map((m) => el('option', { value: m.marketId, selected: m.marketId === market.marketId, text: `${m.name} (${m.marketId})` })));
  const monthInput = el('input', { id: 'month', type: 'month', value: month, 'aria-label': 'month', list: 'known-months' });
  const months = el('datalist', { id: 'known-months' }, market.months.map((m) => el('option', { value: m })));
  const go = () => {
    location.hash = `#/pacing?month=${encodeURIComponent(monthInput.value)}&market=${encodeURIComponent(marketSelect.value)}`;
  };
  marketSelect.addEventListener('change', go);
  monthInput.addEventListener('change', go);
  view.append(el('section', { class: 'controls' }, el('label', {}, 'Market ', marketSelect), el('label', {}, 'Month ', monthInput, months)));

  let series;
  try {
    series = await getJson(`/v1/allocations/${encodeURIComponent(month)}/series?marketId=${encodeURIComponent(market.marketId)}`);
  } catch (error) {
    view.append(errorBox(error));
    return;
  }
  if (!current()) return;
  view.append(
    el('p', { class: 'as-of' }, `${market.name}, ${series.month} (${series.timeZone}) as of ${fmt.time(series.asOf)} — ${series.officers.length} officer${series.officers.length === 1 ? '' : 's'}`),
  );
  if (series.officers.length === 0) {
    view.append(el('p', { class: 'empty', text: `No allocations in ${market.marketId} for ${series.month}.` }));
    return;
  }
  view.append(paceTable(series));
  // All cards first, then one layout read, then the charts at that fixed size: interleaving DOM
  // writes with the size reads of 50 responsive charts would force 50 layouts.
  const grid = el('section', { class: 'charts', id: 'charts' });
  const canvases = series.officers.map((officer) => {
    const canvas = el('canvas', { 'aria-label': `pace chart of ${officer.officerId}`, role: 'img', dataset: { officerId: officer.officerId } });
    grid.append(
      el(
        'article',
        { class: 'chart-card', id: `officer-${officer.officerId}` },
        el('h3', {}, officer.name ?? officer.officerId, el('small', { text: ` ${officer.officerId}${status(officer) ? ` · ${status(officer)}` : ''}` })),
        el('div', { class: 'chart-box' }, canvas),
        recentLeads(officer),
      ),
    );
    return canvas;
  });
  view.append(legend(), grid);
  const box = grid.querySelector('.chart-box');
  const size = { width: box.clientWidth, height: box.clientHeight };
  const colors = chartColors();
  series.officers.forEach((officer, i) => charts.set(officer.officerId, drawChart(canvases[i], officer, series, size, colors)));
  watchResize(grid);
}

/** One legend for every chart (a legend per chart would be drawn 50 times). */
function legend() {
  const item = (name, text) => el('span', { class: `legend-item ${name}` }, el('i', { class: 'swatch' }), text);
  return el(
    'p',
    { class: 'legend' },
    item('net', 'net (routed − failed − credited)'),
    item('expected', 'expected pace (dashed: ahead of now)'),
    item('allocation', 'allocation'),
    item('credit', '× credit (click to open the lead)'),
  );
}

function chartColors() {
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  return { net: color('--net'), expected: color('--expected'), allocation: color('--allocation'), credit: color('--credit') };
}

let resizeObserver = null;
/** The charts have a fixed size; when the grid's columns change width, resize them all at once. */
function watchResize(grid) {
  resizeObserver?.disconnect();
  let width = grid.querySelector('.chart-box').clientWidth;
  let pending = null;
  resizeObserver = new ResizeObserver(() => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const box = grid.querySelector('.chart-box');
      if (!box || box.clientWidth === width) return;
      width = box.clientWidth;
      for (const chart of charts.values()) chart.resize(box.clientWidth, box.clientHeight);
    }, 150);
  });
  resizeObserver.observe(grid);
}

function defaultMonth(market, asOf) {
  const now = asOf.slice(0, 7);
  const past = market.months.filter((m) => m <= now);
  return past.at(-1) ?? market.months.at(-1) ?? now;
}

function status(officer) {
  if (officer.cancelled) return 'cancelled';
  if (officer.paused) return 'paused';
  if (officer.startsOn) return `starts ${officer.startsOn}`;
  return '';
}

function paceTable(series) {
  const header = ['Officer', 'Allocation', 'Delivered', 'Credited', 'Net', 'Expected now', 'Behind by', 'Fulfilment', 'Status'];
  const rows = series.officers.map((officer) => {
    const s = officer.summary;
    return el(
      'tr',
      { dataset: { officerId: officer.officerId }, class: s.behindBy > 0 ? 'behind' : '' },
      el('td', {}, el('a', { href: `#officer-${officer.officerId}`, onclick: (event) => jumpTo(event, officer.officerId), text: officer.name ?? officer.officerId })),
      el('td', { class: 'n', dataset: { field: 'allocation' }, text: fmt.int(officer.allocation) }),
      el('td', { class: 'n', dataset: { field: 'delivered' }, text: fmt.int(s.delivered) }),
      el('td', { class: 'n', dataset: { field: 'credited' }, text: fmt.int(s.credited) }),
      el('td', { class: 'n', dataset: { field: 'net' }, text: fmt.int(s.net) }),
      el('td', { class: 'n', dataset: { field: 'expected' }, text: fmt.num(s.expected) }),
      el('td', { class: 'n', dataset: { field: 'behindBy' }, text: fmt.int(s.behindBy) }),
      el('td', { class: 'n', dataset: { field: 'fulfilment' }, text: fmt.pct(s.fulfilment) }),
      el('td', { text: status(officer) }),
    );
  });
  return el('table', { id: 'pace-table', class: 'pace' }, el('thead', {}, el('tr', {}, header.map((title) => el('th', { text: title })))), el('tbody', {}, rows));
}

function jumpTo(event, officerId) {
  event.preventDefault();
  document.getElementById(`officer-${officerId}`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
}

function recentLeads(officer) {
  if (officer.recentLeads.length === 0) return el('p', { class: 'recent muted', text: 'No leads routed yet.' });
  return el(
    'p',
    { class: 'recent' },
    'Recent leads: ',
    officer.recentLeads.slice(0, 4).map((lead, i) => [i > 0 ? ', ' : '', el('a', { href: `#/lead/${lead.leadId}`, class: 'lead-link', title: `routed ${fmt.time(lead.routedAt)}`, text: lead.leadId.slice(0, 8) })]),
  );
}

function drawChart(canvas, officer, series, size, colors) {
  const past = officer.points.filter((point) => point.net !== null);
  canvas.width = size.width;
  canvas.height = size.height;
  return new window.Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        { label: 'net', data: past.map((p) => ({ x: p.day, y: p.net })), borderColor: colors.net, backgroundColor: colors.net, borderWidth: 2, pointRadius: 0 },
        {
          label: 'expected',
          data: officer.points.map((p) => ({ x: p.day, y: p.expected, projected: p.projected })),
          borderColor: colors.expected,
          borderWidth: 1.5,
          pointRadius: 0,
          segment: { borderDash: (context) => (context.p1.raw.projected ? [5, 4] : undefined) },
        },
        { label: 'allocation', data: [{ x: 0, y: officer.allocation }, { x: series.daysInMonth, y: officer.allocation }], borderColor: colors.allocation, borderWidth: 1, borderDash: [2, 3], pointRadius: 0 },
        { label: 'credits', type: 'scatter', data: officer.credits.map((c) => ({ x: c.day, y: c.net, leadId: c.leadId, reason: c.reason })), borderColor: colors.credit, backgroundColor: colors.credit, pointStyle: 'crossRot', pointRadius: 5, borderWidth: 2 },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      maintainAspectRatio: false,
      // The API's points are already {x, y}, sorted by x: no parsing, no re-sorting.
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, max: series.daysInMonth, ticks: { stepSize: 5, callback: (value) => (value >= series.daysInMonth ? 'end' : `${value + 1}`) }, title: { display: true, text: `day of ${series.month}` } },
        y: { type: 'linear', min: 0, suggestedMax: officer.allocation * 1.05, title: { display: true, text: 'leads' } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => (item.dataset.label === 'credits' ? `credited ${item.raw.leadId.slice(0, 8)} (${item.raw.reason})` : `${item.dataset.label}: ${Number(item.parsed.y).toFixed(1)}`),
          },
        },
      },
      onClick: (_event, elements, chart) => {
        const hit = elements.find((element) => chart.data.datasets[element.datasetIndex].label === 'credits');
        if (hit) location.hash = `#/lead/${chart.data.datasets[hit.datasetIndex].data[hit.index].leadId}`;
      },
    },
  });
}
