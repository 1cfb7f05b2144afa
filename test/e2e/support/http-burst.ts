import type { RunningApp } from '../../support/app-harness';
import { simultaneously } from '../../support/simultaneous-http';

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
  const answers = await simultaneously(server, api.adminKey, requests);
  return answers.map((answer) => ({ ...answer, body: /json/.test(answer.headers['content-type'] ?? '') && answer.text !== '' ? answer.body : undefined }));
}
