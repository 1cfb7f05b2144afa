import { Decider, fold } from '../decider';
import { DomainError, DomainErrorDetail, DomainErrorKind } from '../errors';

/** The refusal a spec expects: always a kind and a code; details only when the spec names them. */
export interface ExpectedRefusal {
  kind: DomainErrorKind;
  code: string;
  details?: DomainErrorDetail[];
}

/**
 * Given/when/then for a decider: fold the past events into state, decide the command on it, and
 * compare the outcome exactly.
 *
 *   const given = givenWhenThen(leadDecider);
 *   given([created]).when(score).then([scored]);
 *   given([]).when(score).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
 *
 * `then` compares with toStrictEqual, so an optional field the decider should omit must be absent,
 * not present as `undefined`.
 */
export function givenWhenThen<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return function given(history: Event[]) {
    return {
      when(command: Command) {
        const decide = () => decider.decide(command, fold(decider, history));
        return {
          then(expected: Event[]): void {
            expect(decide()).toStrictEqual(expected);
          },
          thenThrows(expected: ExpectedRefusal): void {
            let decided: Event[];
            try {
              decided = decide();
            } catch (error) {
              expect(error).toBeInstanceOf(DomainError);
              const { kind, code, details } = error as DomainError;
              expect({ kind, code, ...(expected.details !== undefined && { details }) }).toStrictEqual(expected);
              return;
            }
            throw new Error(`expected ${expected.kind} ${expected.code}, but the decider decided ${JSON.stringify(decided)}`);
          },
        };
      },
    };
  };
}
