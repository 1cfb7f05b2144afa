import { aLeadBody, RunningApp, startApp } from '../support/app-harness';

describe('smoke', () => {
  let api: RunningApp;
  beforeAll(async () => (api = await startApp()));
  afterAll(async () => api.close());

  it('creates a lead', async () => {
    const res = await api.http.post('/v1/leads').send(aLeadBody());
    expect(res.status).toBe(201);
    expect(api.countEvents()).toBe(1);
  });
});
