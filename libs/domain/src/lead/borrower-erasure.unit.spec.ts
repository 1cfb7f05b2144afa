import { DomainError } from '../errors';
import { BorrowerEvent, borrowerErasureStateOf, decideBorrowerErasure, RecordBorrowerErasure } from './borrower-erasure';

const ref = '9f'.repeat(16);
const now = '2026-11-22T15:00:00.000Z';

describe('borrower erasure decider', () => {
  it('given destroyed keys not yet recorded, when the erasure is recorded, then BorrowerErased names them, with the earliest destruction time and no personal data', () => {
    const events = decide([], aCommand([{ keyId: 'dk_b', destroyedAt: '2026-11-22T14:59:59.000Z' }, { keyId: 'dk_a', destroyedAt: '2026-11-22T14:59:58.000Z' }]));
    expect(events).toStrictEqual([
      {
        type: 'BorrowerErased',
        schemaVersion: 1,
        data: { borrowerRef: ref, keyIds: ['dk_a', 'dk_b'], erasedAt: '2026-11-22T14:59:58.000Z', reason: 'asked to be forgotten', requestReference: 'DSR-7', by: 'key:ops' },
      },
    ]);
  });

  it('given an erasure already recorded for every destroyed key, then it is refused with 409 ALREADY_ERASED and when', () => {
    const past = decide([], aCommand([{ keyId: 'dk_a', destroyedAt: '2026-11-20T10:00:00.000Z' }]));
    expect(refusal(past, aCommand([{ keyId: 'dk_a', destroyedAt: '2026-11-20T10:00:00.000Z' }]))).toMatchObject({
      kind: 'conflict',
      code: 'ALREADY_ERASED',
      details: [{ field: 'borrowerRef', message: 'already erased', erasedAt: '2026-11-20T10:00:00.000Z' }],
    });
  });

  it('given a key made after an earlier erasure (the borrower came back) and destroyed now, then only that key is recorded', () => {
    const past = decide([], aCommand([{ keyId: 'dk_a', destroyedAt: '2026-11-20T10:00:00.000Z' }]));
    const events = decide(past, aCommand([{ keyId: 'dk_a', destroyedAt: '2026-11-20T10:00:00.000Z' }, { keyId: 'dk_c', destroyedAt: now }]));
    expect(events.map((event) => event.data.keyIds)).toEqual([['dk_c']]);
  });

  it('given a borrower the key store never had, then it is refused with 404 BORROWER_NOT_FOUND', () => {
    expect(refusal([], { ...aCommand([]), known: false })).toMatchObject({ kind: 'not_found', code: 'BORROWER_NOT_FOUND' });
  });

  it('given an erasure recovered at start-up, then the event says so', () => {
    const command = aCommand([{ keyId: 'dk_a', destroyedAt: now }]);
    const [event] = decide([], { ...command, data: { ...command.data, recovered: true } });
    expect(event.data.recovered).toBe(true);
  });

  // ---- helpers ----

  function aCommand(destroyedKeys: RecordBorrowerErasure['destroyedKeys']): RecordBorrowerErasure {
    return {
      type: 'RecordBorrowerErasure',
      data: { borrowerRef: ref, reason: 'asked to be forgotten', requestReference: 'DSR-7', by: 'key:ops' },
      known: true,
      destroyedKeys,
      at: now,
    };
  }

  function decide(history: BorrowerEvent[], command: RecordBorrowerErasure): BorrowerEvent[] {
    return decideBorrowerErasure(command, borrowerErasureStateOf(history));
  }

  function refusal(history: BorrowerEvent[], command: RecordBorrowerErasure): DomainError {
    try {
      decideBorrowerErasure(command, borrowerErasureStateOf(history));
    } catch (error) {
      return error as DomainError;
    }
    throw new Error('expected a refusal');
  }
});
