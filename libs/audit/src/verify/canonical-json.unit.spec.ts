import canonicalize from 'canonicalize';
import { eventHash } from '@lead-ledger/ledger/chain/event-hash';
import { canonicalJson, canonicalJsonText, eventHashOfParts } from './canonical-json';

describe('canonical JSON for the verifier (RFC 8785, as the canonicalize package prints it)', () => {
  const samples: unknown[] = [
    {},
    [],
    { b: 1, a: [3, { d: null, c: true }], '': false },
    { 'a b': 1, a: 2, 'a!': 3, ab: 4, A: 5, é: 6, '€': 7, '😀': 8, '\u007f': 9 },
    { n: [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345, 1234567890123456789, 0.1 + 0.2, 16.799999999999997, 5e-324, -1.7976931348623157e308] },
    { s: ['', 'plain', 'quote " inside', 'back \\ slash', 'tab\t newline\n', '\u0001\u001f', 'é ü 漢字 😀', '\u2028\u2029', '</script>'] },
    { nested: { deeper: { deepest: [[[]], [{}], [{ z: 1, y: [2, { x: 3 }] }]] } } },
  ];

  it.each(samples.map((sample) => [JSON.stringify(sample), sample]))('canonicalises %s like the reference', (_, sample) => {
    const expected = canonicalize(sample);
    expect(canonicalJson(sample)).toBe(expected);
    expect(canonicalJsonText(JSON.stringify(sample))).toBe(expected);
    // Other spellings of the same JSON: white space, escapes, number forms.
    expect(canonicalJsonText(JSON.stringify(sample, null, 2))).toBe(expected);
  });

  it('reads number and string spellings the writer never uses, to the same canonical form', () => {
    expect(canonicalJsonText('{"a":1.0,"b":1E2,"c":-0,"d":0.000001,"e":1e-7,"f":12345678901234567890}')).toBe(
      canonicalize({ a: 1, b: 100, c: 0, d: 0.000001, e: 1e-7, f: 12345678901234567890 }),
    );
    expect(canonicalJsonText('{"s":"\\u0041\\/\\u00e9","t":"\\ud83d\\ude00"}')).toBe('{"s":"A/é","t":"😀"}');
    expect(canonicalJsonText('{"a":1,"a":2}')).toBe('{"a":2}');
    expect(canonicalJsonText('{"\\u0062":1,"a":2}')).toBe('{"a":2,"b":1}');
  });

  it('refuses what the reference refuses (invalid JSON, numbers out of range)', () => {
    for (const text of ['', '{', '{"a":}', '{"a":1,}', '[1,]', '01', '{"a":tru}', '"\\x"', '{"a":1}x', 'NaN', '{"a":1e400}', '{"a":"\u0001"}']) {
      let expected: string | null = null;
      try {
        expected = canonicalize(JSON.parse(text)) as string;
      } catch {
        expected = null;
      }
      if (expected === null) expect(() => canonicalJsonText(text)).toThrow();
      else expect(canonicalJsonText(text)).toBe(expected);
    }
  });

  it('agrees with the reference on 3,000 random documents', () => {
    const random = seeded(20261122);
    for (let i = 0; i < 3000; i++) {
      const value = randomValue(random, 0);
      const expected = canonicalize(value);
      expect(canonicalJson(value)).toBe(expected);
      expect(canonicalJsonText(JSON.stringify(value))).toBe(expected);
    }
  });

  it('hashes an event exactly as the ledger chains it', () => {
    const event = {
      stream: 'lead-3f0c',
      revision: 7n,
      id: '5b1d7d1e-1111-4222-8333-944445555666',
      type: 'LeadRouted',
      schemaVersion: 1,
      recordedAt: '2026-11-22T12:00:00.000Z',
      data: { leadId: '3f0c', decision: { winner: 'lo-ana', candidates: [{ officerId: 'lo-ana', shortfall: 0.123456789 }] }, note: 'é "x"' },
      metadata: { correlationId: 'c', causationId: 'c', commandId: 'k', actor: 'key:admin' },
    };
    const prevHash = 'ab'.repeat(32);
    expect(
      eventHashOfParts({ ...event, prevHash, data: canonicalJsonText(JSON.stringify(event.data)), metadata: canonicalJson(event.metadata) }),
    ).toBe(eventHash(event, prevHash));
  });

  // ---- helpers ----

  function seeded(seed: number) {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function randomValue(random: () => number, depth: number): unknown {
    const pick = random();
    if (depth < 4 && pick < 0.25) {
      const object: Record<string, unknown> = {};
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i++) object[randomString(random, 4)] = randomValue(random, depth + 1);
      return object;
    }
    if (depth < 4 && pick < 0.4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    if (pick < 0.6) return randomString(random, 12);
    if (pick < 0.7) return Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1);
    if (pick < 0.8) return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    if (pick < 0.87) return random() < 0.5;
    return null;
  }

  function randomString(random: () => number, max: number): string {
    const alphabet = ['a', 'b', 'A', 'Z', '0', ' ', '!', '"', '\\', '/', '\n', '\u0001', 'é', '€', '😀', '\u2028', 'ab', 'a '];
    let out = '';
    const n = Math.floor(random() * max);
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  }
});
