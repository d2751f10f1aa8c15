/**
 * The error a call throws or a promise rejects with, for tests that go on to look at it (its code,
 * message, diagnostics). Each fails the test when nothing is thrown. Given a class, each returns
 * that class's instance and rethrows anything else unchanged, so the test shows the real error.
 */

/** A class of errors: anything `instanceof` can test, whatever its constructor takes. */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

/** What `fn` throws when called; see the module comment. */
export function thrownBy(fn: () => unknown): unknown;
export function thrownBy<E>(fn: () => unknown, errorClass: ErrorClass<E>): E;
export function thrownBy<E>(fn: () => unknown, errorClass?: ErrorClass<E>): unknown {
  try {
    fn();
  } catch (e) {
    return checked(e, errorClass);
  }
  throw new Error(expected(errorClass));
}

/** What `promise` rejects with; see the module comment. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown>;
export function rejectionOf<E>(promise: Promise<unknown>, errorClass: ErrorClass<E>): Promise<E>;
export async function rejectionOf<E>(promise: Promise<unknown>, errorClass?: ErrorClass<E>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return checked(e, errorClass);
  }
  throw new Error(expected(errorClass));
}

function checked<E>(e: unknown, errorClass: ErrorClass<E> | undefined): unknown {
  if (errorClass && !(e instanceof errorClass)) throw e;
  return e;
}

function expected(errorClass: ErrorClass<unknown> | undefined): string {
  if (!errorClass) return 'expected an error';
  return `expected ${/^[AEIOU]/.test(errorClass.name) ? 'an' : 'a'} ${errorClass.name}`;
}
