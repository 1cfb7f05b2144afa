// The /v1 API with the key kept in sessionStorage (this tab only; gone when it closes).
const KEY = 'lead-ledger.apiKey';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.details = body?.details ?? [];
  }
}

export const apiKey = () => sessionStorage.getItem(KEY);
export const setApiKey = (key) => sessionStorage.setItem(KEY, key.trim());
export const forgetApiKey = () => sessionStorage.removeItem(KEY);

const listeners = new Set();
/** Called when the API refuses the key (401), so the page can ask for another. */
export const onUnauthorised = (listener) => listeners.add(listener);

async function request(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const key = apiKey();
  const headers = { accept };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let errorBody = null;
    try {
      errorBody = await response.json();
    } catch {
      // not JSON: keep the status
    }
    if (response.status === 401) for (const listener of listeners) listener();
    throw new ApiError(response.status, errorBody);
  }
  return response;
}

export async function getJson(path) {
  return (await request(path)).json();
}

export async function postJson(path, body = {}) {
  return (await request(path, { method: 'POST', body })).json();
}

/** The body as text, with the file name the server suggests (content-disposition) if any. */
export async function getText(path, accept) {
  const response = await request(path, { accept });
  return { text: await response.text(), type: response.headers.get('content-type') ?? 'text/plain' };
}
