// The errors a test expects, by Node's codes and this OS's numbers.
import util from 'node:util';

const errnoByCode = new Map([...util.getSystemErrorMap()].map(([errno, [code]]) => [code, errno]));

/** Node's own (negative) number for an error code on this OS: EBADF is -9 on Linux, -4083 on Windows. */
export function errnoOf(code: string): number {
  const errno = errnoByCode.get(code);
  if (errno === undefined) throw new Error(`no errno for ${code} here`);
  return errno;
}

export function expectCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (err) {
    if ((err as { code?: string }).code !== code) {
      throw new Error(`expected ${code}, got ${(err as { code?: string }).code}: ${(err as Error).message}`);
    }
    return err as Error;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
