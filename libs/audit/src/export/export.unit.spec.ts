import { ExportRequestError, parseExportRequest } from './export-request';
import { initialOf, maskEmail, maskIp, maskPhone, redactPii } from './redaction';

describe('redaction', () => {
  it.each([
    ['+12145550123', '+1******0123'],
    ['+442079460958', '+44******0958'],
    ['12345', '*2345'],
    ['+1 (214) 555-0123', '+1******0123'],
  ])('phone %s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([
    ['sarah@example.com', 's***@example.com'],
    ['s@example.com', 's***@example.com'],
    ['@example.com', '***@example.com'],
    ['not-an-email', '***'],
  ])('email %s → %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it.each([
    ['Sarah', 'S.'],
    ['élodie', 'É.'],
    ['  lee', 'L.'],
    ['', ''],
  ])('name %s → %s', (name, masked) => {
    expect(initialOf(name)).toBe(masked);
  });

  it.each([
    ['203.0.113.7', '203.0.*.*'],
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:*'],
    ['::1', '*'],
    ['garbage', '*'],
  ])('ip %s → %s', (ip, masked) => {
    expect(maskIp(ip)).toBe(masked);
  });

  it('masks PII fields at any depth, by name, and leaves everything else and the input untouched', () => {
    const data = {
      leadId: 'l-1',
      borrower: { firstName: 'Sarah', lastName: 'Lee', phone: '+12145550123', email: 'sarah@example.com' },
      consent: { tcpa: true, ip: '203.0.113.7', text: 'I agree' },
      borrowerKeys: ['phone:abc', 'email:def'],
      loan: { amount: 350000 },
      nested: [{ phone: '+12145550199' }],
    };
    const copy = structuredClone(data);

    expect(redactPii(data)).toStrictEqual({
      leadId: 'l-1',
      borrower: { firstName: 'S.', lastName: 'L.', phone: '+1******0123', email: 's***@example.com' },
      consent: { tcpa: true, ip: '203.0.*.*', text: 'I agree' },
      borrowerKeys: ['phone:redacted', 'email:redacted'],
      loan: { amount: 350000 },
      nested: [{ phone: '+1******0199' }],
    });
    expect(data).toStrictEqual(copy);
  });
});

describe('parseExportRequest (the CLI\'s validation, the same rules as the endpoint)', () => {
  it('applies the defaults: every lead, NDJSON, events, not redacted', () => {
    expect(parseExportRequest({})).toStrictEqual({
      filters: { from: null, to: null, officerId: null, marketId: null, status: null },
      format: 'ndjson',
      include: 'events',
      redact: false,
    });
  });

  it('normalises times to UTC and reads redact', () => {
    expect(parseExportRequest({ from: '2026-11-01', to: '2026-11-05T04:00:00-06:00', status: 'delivered', officerId: 'lo-1', marketId: 'dfw', format: 'csv', include: 'summary', redact: 'true' })).toStrictEqual({
      filters: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-05T10:00:00.000Z', officerId: 'lo-1', marketId: 'dfw', status: 'delivered' },
      format: 'csv',
      include: 'summary',
      redact: true,
    });
  });

  it.each([
    [{ format: 'xml' }, 'format'],
    [{ include: 'all' }, 'include'],
    [{ status: 'lost' }, 'status'],
    [{ redact: true }, 'redact'],
    [{ officerId: 'Ada' }, 'officerId'],
    [{ from: '2026-11-01T10:00:00' }, 'from'],
    [{ from: '2026-02-29' }, 'from'],
    [{ from: '2026-11-01T25:00:00Z' }, 'from'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'to'],
    [{ limit: '10' }, 'limit'],
  ])('refuses %j (field %s)', (raw, field) => {
    let error: unknown;
    try {
      parseExportRequest(raw as Record<string, unknown>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExportRequestError);
    expect((error as ExportRequestError).details.map((d) => d.field)).toEqual([field]);
  });
});
