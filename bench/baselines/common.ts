/** Shared by the baseline servers (each runs as its own child process of the bench). */

/** Every baseline "create" returns this id, so the load generator's lifecycle has a leadId to use. */
export const BASELINE_LEAD_ID = '3f2b8c1e-5d4a-4b6f-9e8d-7c6b5a4f3e2d';

export function listenPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set');
  return port;
}
