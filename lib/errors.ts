// Every error sockctl makes, shaped like Node's own (lib/internal/errors.js)
// so callers can branch on `code` the same way they do for `fs` and `net`.
import * as util from 'node:util';
import type { OptionName, Phase } from './options/table';

export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  /** The option or object the call was about, e.g. 'SO_LINGER'. */
  option?: string;
  address?: string;
  port?: number;
}

/** A system error from apply(), with what was set before it. */
export interface ApplyError extends SystemError {
  option: string;
  result: {
    applied: OptionName[];
    skipped: { name: OptionName; reason: 'unsupported' | 'too-late' | 'owner' }[];
  };
}

export interface TooLateError extends Error {
  code: 'ERR_SOCKET_OPTION_TOO_LATE';
  option: OptionName;
  phase: Phase;
}

/** Node's determineSpecificType: what a value is, for "Received …". */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `an instance of ${name}` : util.inspect(value, { depth: -1 });
  }
  let shown = util.inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

/** util.inspect, cut as Node cuts it in messages. */
function inspected(value: unknown): string {
  const shown = util.inspect(value);
  return shown.length > 128 ? `${shown.slice(0, 128)}...` : shown;
}

/** Node says "property" for a dotted name (`options.port`), "argument" otherwise. */
function kindOf(name: string): string {
  return name.includes('.') ? 'property' : 'argument';
}

function withCode<E extends Error>(err: E, code: string): E & { code: string } {
  return Object.assign(err, { code });
}

export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return withCode(
    new TypeError(`The "${name}" ${kindOf(name)} must be ${expected}. Received ${describe(actual)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}

export function invalidArgValue(name: string, reason: string, actual: unknown): TypeError {
  return withCode(
    new TypeError(`The ${kindOf(name)} '${name}' ${reason}. Received ${inspected(actual)}`),
    'ERR_INVALID_ARG_VALUE',
  );
}

export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  // Node writes a large integer with separators: 4_294_967_296.
  const shown =
    Number.isInteger(actual) && Math.abs(actual as number) > 2 ** 32
      ? String(actual).replace(/\B(?=(\d{3})+(?!\d))/g, '_')
      : inspected(actual);
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`),
    'ERR_OUT_OF_RANGE',
  );
}

/** Node's ERR_SOCKET_BAD_PORT, for a port number out of range. */
export function badPort(name: string, port: unknown): RangeError {
  return withCode(
    new RangeError(`${name} should be >= 0 and < 65536. Received ${describe(port)}.`),
    'ERR_SOCKET_BAD_PORT',
  );
}

/** Node's own code and message; Node throws it as a TypeError too. */
export function featureUnavailable(feature: string): TypeError {
  return withCode(
    new TypeError(`The feature ${feature} is unavailable on the current platform, which is being used to run Node.js`),
    'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  );
}

/** Node's message for a second listen(). */
export function serverAlreadyListening(): Error {
  return withCode(
    new Error('Listen method has been called more than once without closing.'),
    'ERR_SERVER_ALREADY_LISTEN',
  );
}

/** What dns.lookup reports when a name resolves to no usable address (errno: libuv's EAI_NONAME, as Node's). */
export function hostNotFound(host: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
    errno: uvErrno('EAI_NONAME'),
    code: 'ENOTFOUND',
    syscall: 'getaddrinfo',
    hostname: host,
  });
}

/** An option whose phase has passed on this socket (the wording is its phase's record). */
export function tooLate(option: OptionName, phase: Phase, when: string): TooLateError {
  const err = new Error(`The option ${option} must be set ${when}`) as TooLateError;
  err.code = 'ERR_SOCKET_OPTION_TOO_LATE';
  err.option = option;
  err.phase = phase;
  Error.captureStackTrace(err, tooLate);
  return err;
}

export interface TcpOnlyError extends TypeError {
  code: 'ERR_SOCKET_OPTION_TCP_ONLY';
  option: OptionName;
}

/** A TCP-only option asked of another socket (UDP, a Unix socket). */
export function tcpOnly(option: OptionName): TcpOnlyError {
  const err = new TypeError(`The option ${option} applies to TCP sockets only; this socket is not TCP`) as TcpOnlyError;
  err.code = 'ERR_SOCKET_OPTION_TCP_ONLY';
  err.option = option;
  Error.captureStackTrace(err, tcpOnly);
  return err;
}

const errnoByName = new Map<string, number>();
for (const [errno, [name]] of util.getSystemErrorMap()) errnoByName.set(name, errno);

/** libuv's (negative) error number for a code such as 'EBADF', on this OS. */
export function uvErrno(code: string): number {
  const errno = errnoByName.get(code);
  if (errno === undefined) throw new Error(`sockctl: no error number for ${code} on this platform`);
  return errno;
}

/** This OS's error numbers for the codes it has (a code this OS lacks is left out). */
export function errnosOf(...codes: string[]): Set<number> {
  return new Set(codes.flatMap((code) => (errnoByName.has(code) ? [errnoByName.get(code)!] : [])));
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
