// Tiny DOM helpers: elements are built with textContent only, never innerHTML, so nothing the API
// returns is ever parsed as markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const fmt = {
  int: (value) => (value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US')),
  num: (value, digits = 1) => (value === null || value === undefined ? '—' : Number(value).toFixed(digits)),
  pct: (value) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`),
  time: (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '—'),
  hash: (hex) => (hex ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : '—'),
};

export function errorBox(error) {
  const details = (error.details ?? []).map((detail) => el('li', { text: `${detail.field ?? ''} ${detail.message ?? ''}`.trim() }));
  return el('div', { class: 'error', role: 'alert' }, el('strong', { text: error.code ?? 'ERROR' }), ` ${error.message}`, details.length ? el('ul', {}, details) : null);
}

/** Saves text as a file through a temporary blob URL (the fetch carried the key; a plain link could not). */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
