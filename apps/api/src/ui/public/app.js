// Hash routes: #/pacing?month=2026-11&market=dfw, #/lead/<leadId>, #/verify.
import { apiKey, forgetApiKey, getJson, onUnauthorised, setApiKey } from './api.js';
import { renderPacing } from './pacing.js';
import { renderTimeline } from './timeline.js';
import { renderVerify } from './verify.js';

const view = document.getElementById('view');
const dialog = document.getElementById('key-dialog');
const keyInput = document.getElementById('api-key');
const keyError = document.getElementById('key-error');

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { page: parts[0] ?? 'pacing', id: parts[1] ? decodeURIComponent(parts[1]) : null, params: new URLSearchParams(query) };
}

let renderCount = 0;
async function render() {
  const { page, id, params } = route();
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === page);
  document.getElementById('key-state').textContent = apiKey() ? 'key set' : 'no key';
  if (!apiKey()) {
    askForKey();
    return;
  }
  const ticket = ++renderCount;
  view.dataset.ready = 'false';
  view.replaceChildren();
  // A later navigation supersedes a slower earlier one.
  const current = () => ticket === renderCount;
  if (page === 'lead') await renderTimeline(view, id, current);
  else if (page === 'verify') await renderVerify(view, current);
  else await renderPacing(view, params, current);
  if (current()) {
    view.dataset.ready = 'true';
    // For measurements: navigation start → this page's data fetched and its charts and tables drawn.
    performance.mark('lead-ledger:rendered', { detail: { page } });
  }
}

function askForKey(message) {
  keyError.hidden = !message;
  keyError.textContent = message ?? '';
  keyInput.value = '';
  if (!dialog.open) dialog.showModal();
  keyInput.focus();
}

document.getElementById('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  setApiKey(key);
  try {
    // Any cheap /v1 read proves the key before it is used for the page.
    await getJson('/v1/markets');
    dialog.close();
    await render();
  } catch (error) {
    forgetApiKey();
    askForKey(error.status === 401 ? 'That key is not known to this service.' : `${error.code}: ${error.message}`);
  }
});

document.getElementById('change-key').addEventListener('click', () => {
  forgetApiKey();
  askForKey();
});

onUnauthorised(() => {
  forgetApiKey();
  askForKey('The service refused the key (401). Enter another.');
});

window.addEventListener('hashchange', () => void render());
void render();
