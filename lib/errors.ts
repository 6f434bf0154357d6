// Errors shaped like Node's own, so callers can branch on `code` the same
// way they do for `fs` and `net` errors.
import * as util from 'node:util';

export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  /** The option or object the call was about, e.g. 'SO_LINGER'. */
  option?: string;
  address?: string;
  port?: number;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${util.inspect(value, { depth: -1 })}`;
  }
  let shown = util.inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

function withCode<E extends Error>(err: E, code: string): E & { code: string } {
  return Object.assign(err, { code });
}

export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. ${describe(actual)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}

export function invalidArgValue(name: string, reason: string, actual: unknown): TypeError {
  return withCode(
    new TypeError(`The argument '${name}' ${reason}. Received ${util.inspect(actual)}`),
    'ERR_INVALID_ARG_VALUE',
  );
}

export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${util.inspect(actual)}`),
    'ERR_OUT_OF_RANGE',
  );
}

/** Node's own code and message; Node throws it as a TypeError too. */
export function featureUnavailable(feature: string): TypeError {
  return withCode(
    new TypeError(`The feature ${feature} is unavailable on the current platform, which is being used to run Node.js`),
    'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  );
}

const errnoByName = new Map<string, number>();
for (const [errno, [name]] of util.getSystemErrorMap()) errnoByName.set(name, errno);

/** libuv's (negative) error number for a code such as 'EBADF', on this OS. */
export function uvErrno(code: string): number {
  const errno = errnoByName.get(code);
  if (errno === undefined) throw new Error(`sockctl: no error number for ${code} on this platform`);
  return errno;
}

/**
 * A failed system call: `<syscall> <CODE> (<option>)`, or with an address
 * `<syscall> <CODE> <address>:<port>`, like Node's uvException.
 */
export function systemError(
  errno: number,
  syscall: string,
  option?: string,
  where?: { address: string; port: number },
): SystemError {
  const code = util.getSystemErrorName(errno);
  const suffix = where ? ` ${where.address}:${where.port}` : option ? ` (${option})` : '';
  const err = new Error(`${syscall} ${code}${suffix}`) as SystemError;
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  if (option !== undefined) err.option = option;
  if (where) {
    err.address = where.address;
    err.port = where.port;
  }
  Error.captureStackTrace(err, systemError);
  return err;
}
