import { AddressInfo, connect, Socket } from 'node:net';
import type { RunningApp } from '../../support/app-harness';

export interface BurstRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface BurstResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: any;
  text: string;
}

/**
 * Sends requests truly at once, with the admin key. supertest's parallel requests reach this
 * in-process server one event-loop turn apart, and the app handles each to its append before the
 * next arrives, so they never race. Here every socket connects first, then every request is written
 * in the same tick: the server reads them in one poll phase and decides them all on the same
 * revision, so the ledger's optimistic concurrency (and the writer's retry) really runs.
 */
export async function burst(api: RunningApp, requests: BurstRequest[]): Promise<BurstResponse[]> {
  const server = api.app.getHttpServer();
  if (!server.address()) await api.app.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  // The server must have accepted every connection before the first byte is written, or it reads
  // the early ones alone.
  let accepted = 0;
  let allAccepted!: () => void;
  const acceptedAll = new Promise<void>((resolve) => (allAccepted = resolve));
  const onConnection = () => {
    accepted += 1;
    if (accepted === requests.length) allAccepted();
  };
  server.on('connection', onConnection);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  await acceptedAll;
  server.off('connection', onConnection);
  const answers = sockets.map(
    (socket) =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.once('error', reject);
      }),
  );
  requests.forEach((request, i) => sockets[i].write(serialise(request, api.adminKey)));
  return (await Promise.all(answers)).map(parse);
}

function serialise({ method, path, body, headers = {} }: BurstRequest, adminKey: string): string {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    `authorization: Bearer ${adminKey}`,
    'connection: close',
    ...(body === undefined ? [] : ['content-type: application/json']),
    `content-length: ${Buffer.byteLength(payload)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

function parse(raw: string): BurstResponse {
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = raw.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  let text = raw.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') text = unchunk(text);
  const json = /json/.test(headers['content-type'] ?? '') && text !== '';
  return { status: Number(statusLine.split(' ')[1]), headers, body: json ? JSON.parse(text) : undefined, text };
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
