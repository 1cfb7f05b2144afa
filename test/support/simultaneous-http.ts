import type { Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';

export interface RawRequest {
  method: 'POST' | 'PUT' | 'GET';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the text when the body is not JSON. */
  body: any;
  text: string;
}

/**
 * Sends every request at the same instant over its own connection. Requests sent one by one (even
 * with Promise.all) reach an in-process server an event-loop turn apart and may never overlap; here
 * all sockets are connected and accepted first, then every request is written in one tick, so the
 * server parses them in the same poll phase and they really compete for the same stream revisions,
 * market locks and allocation slots.
 */
export async function simultaneously(server: Server, key: string, requests: RawRequest[]): Promise<RawResponse[]> {
  const { port } = server.address() as AddressInfo;
  let accepted = 0;
  let allAccepted!: () => void;
  const acceptedAll = new Promise<void>((resolve) => (allAccepted = resolve));
  const onConnection = () => {
    if (++accepted === requests.length) allAccepted();
  };
  server.on('connection', onConnection);
  try {
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
    const answers = sockets.map(
      (socket) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.once('end', () => resolve(Buffer.concat(chunks)));
          socket.once('error', reject);
        }),
    );
    sockets.forEach((socket, i) => socket.write(http11(requests[i], key)));
    return (await Promise.all(answers)).map(parseResponse);
  } finally {
    server.off('connection', onConnection);
  }
}

function http11({ method, path, body, headers = {} }: RawRequest, key: string): Buffer {
  const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8');
  const head = [
    `${method} ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    `authorization: Bearer ${key}`,
    'connection: close',
    ...(body === undefined ? [] : ['content-type: application/json']),
    `content-length: ${payload.length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), payload]);
}

function parseResponse(raw: Buffer): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`not an HTTP response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  const text = body.toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body: /json/.test(headers['content-type'] ?? '') && text !== '' ? JSON.parse(text) : text, text };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
}
