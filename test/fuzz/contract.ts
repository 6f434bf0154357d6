// The error contract every export keeps, and the verdict on one call.
import dgram from 'node:dgram';
import net from 'node:net';
import util from 'node:util';
import * as sockctl from '../../lib';
import { distance } from './inputs';
import { runtime } from '../helpers/platform';

/** A finding: `problem` is its class (the same text for the same fault), `example` one call that shows it. */
export interface Outcome {
  ok: boolean;
  problem?: string;
  example?: string;
}
export const OK: Outcome = { ok: true };

export const TYPE = ['ERR_INVALID_ARG_TYPE'] as const;
export const VALUE = ['ERR_INVALID_ARG_VALUE'] as const;
export const OUT_OF_RANGE = ['ERR_OUT_OF_RANGE'] as const;
/** A port out of range: ours, or Node's own code for it. */
export const RANGE = ['ERR_OUT_OF_RANGE', 'ERR_SOCKET_BAD_PORT'] as const;
export const UNAVAILABLE = ['ERR_FEATURE_UNAVAILABLE_ON_PLATFORM'] as const;
/** A failed system call, whatever its code. */
export const SYSTEM = 'system';
export const TOO_LATE = 'ERR_SOCKET_OPTION_TOO_LATE';
/** A TCP-only option on another socket (UDP, Unix). */
export const TCP_ONLY = 'ERR_SOCKET_OPTION_TCP_ONLY';
export const ARG_CODES: readonly string[] = [...TYPE, ...VALUE, ...RANGE, ...UNAVAILABLE];

/**
 * What a call must do. `codes`: the codes it may throw (SYSTEM for any
 * system error); absent, any the contract has. `fails`: it must not succeed.
 * `misspelled`: the error is for this near miss, so its message names the
 * nearest of `keys`.
 */
export interface Want {
  codes?: readonly string[];
  fails?: boolean;
  misspelled?: { key: string; keys: readonly string[] };
}
export const ANY: Want = {};
/** Arguments all valid: success, or what the OS says. */
// Windows also refuses by name what it lacks on a Node-owned socket: reusePort, reading a keepalive time written
// through SIO_KEEPALIVE_VALS, a linger above 0 (it would leak the socket).
export const VALID: Want = {
  codes: [SYSTEM, TOO_LATE, TCP_ONLY, ...(process.platform === 'win32' ? UNAVAILABLE : [])],
};
export const must = (codes: readonly string[]): Want => ({ codes, fails: true });

function isSystemError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; syscall?: unknown };
  return (
    err instanceof Error &&
    typeof e.code === 'string' &&
    /^E[A-Z0-9]+$/.test(e.code) &&
    Number.isInteger(e.errno) &&
    // Bun's own net errors, which sockctl's listen() passes on, carry a positive errno (Bun 1.4).
    ((e.errno as number) < 0 || (runtime === 'Bun' && (e.errno as number) > 0)) &&
    typeof e.syscall === 'string'
  );
}

/** Whether `err` is one of `codes` (SYSTEM: any system error). */
function isOneOf(err: unknown, codes: readonly string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return codes.some((c) => (c === SYSTEM ? isSystemError(err) : c === code));
}

/** What is wrong with the shape of an error, if anything. */
export function errorProblem(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof TypeError && code === TCP_ONLY) {
    const { option } = err as sockctl.TcpOnlyError;
    const row = (sockctl.optionTable as Record<string, sockctl.OptionRow>)[option];
    return Object.hasOwn(sockctl.optionTable, option) && row.tcp === true ? undefined : `TCP only for ${option}`;
  }
  if (err instanceof TypeError) {
    return ([...TYPE, ...VALUE, ...UNAVAILABLE] as readonly unknown[]).includes(code)
      ? undefined
      : `TypeError without a contract code (${String(code)})`;
  }
  if (err instanceof RangeError) {
    return (RANGE as readonly unknown[]).includes(code) ? undefined : `RangeError with code ${String(code)}`;
  }
  if (err instanceof Error && code === TOO_LATE) {
    const { option, phase } = err as sockctl.TooLateError;
    const row = (sockctl.optionTable as Record<string, sockctl.OptionRow>)[option];
    return Object.hasOwn(sockctl.optionTable, option) && row.phase === phase ? undefined : `too late for ${option}`;
  }
  // Node's own error for listen() on a listening server, which listen() keeps.
  if (err instanceof Error && code === 'ERR_SERVER_ALREADY_LISTEN') return undefined;
  if (isSystemError(err)) return undefined;
  const what = err instanceof Error ? `${err.name} ${String(code)}` : typeof err;
  return `not a contract error: ${what}`;
}

/** The error names the key nearest to the near miss: "did you mean '<key>'". */
function misspelledProblem(err: unknown, key: string, keys: readonly string[]): string | undefined {
  const message = err instanceof Error ? err.message : '';
  const named = /did you mean '([^']+)'/i.exec(message)?.[1];
  if (named === undefined) return `no "did you mean" for an unknown key`;
  const best = Math.min(...keys.map((k) => distance(key, k)));
  return keys.includes(named) && distance(key, named) === best ? undefined : `"did you mean" names a far key`;
}

/** Stands for an argument in a reproduction: a target by its kind, as it was before the call. */
export class Shown {
  constructor(readonly text: string) {}
}

/** An argument as a reproduction shows it: sockets by kind, the rest inspected briefly. */
export function show(v: unknown): string {
  if (v instanceof Shown) return v.text;
  if (v instanceof net.Socket) return v.destroyed ? '<destroyed net.Socket>' : '<net.Socket>';
  if (v instanceof net.Server) return v.listening ? '<listening net.Server>' : '<net.Server>';
  if (v instanceof dgram.Socket) return '<dgram.Socket>';
  return util.inspect(v, { depth: 3, breakLength: Infinity, maxStringLength: 40, maxArrayLength: 6 });
}

function thrown(err: unknown): string {
  if (!(err instanceof Error)) return `threw ${show(err)}`;
  const code = (err as { code?: unknown }).code;
  return `threw ${err.name}${code === undefined ? '' : ` [${String(code)}]`}: ${err.message.slice(0, 160)}`;
}

export type Result = { threw: true; error: unknown } | { threw: false; value: unknown };

/** Runs `call` (awaiting a promise), and says how it ended. */
export async function outcomeOf(call: () => unknown): Promise<Result> {
  try {
    return { threw: false, value: await call() };
  } catch (error) {
    return { threw: true, error };
  }
}

/**
 * The verdict on one call of `fn` with `args`: its error keeps the contract
 * and `want` and passes `checkError`, or its result passes `checkResult`.
 */
export function judge(
  fn: string,
  args: readonly unknown[],
  want: Want,
  result: Result,
  checkResult: (value: unknown) => string | undefined = () => undefined,
  checkError: (err: unknown) => string | undefined = () => undefined,
): Outcome {
  const example = () =>
    `${fn}(${args.map(show).join(', ')}) ${result.threw ? thrown(result.error) : `returned ${show(result.value)}`}`;
  const finding = (problem: string): Outcome => ({ ok: false, problem: `${fn}: ${problem}`, example: example() });
  if (!result.threw) {
    if (want.fails) return finding(`succeeded; expected ${want.codes?.join(' or ') ?? 'an error'}`);
    const problem = checkResult(result.value);
    return problem ? finding(problem) : OK;
  }
  const shape = errorProblem(result.error);
  if (shape) return finding(shape);
  if (want.codes && !isOneOf(result.error, want.codes)) {
    const code = (result.error as { code?: unknown }).code;
    return finding(`gave ${String(code)}; expected ${want.codes.join(' or ')}`);
  }
  if (want.misspelled) {
    const problem = misspelledProblem(result.error, want.misspelled.key, want.misspelled.keys);
    if (problem) return finding(problem);
  }
  const problem = checkError(result.error);
  return problem ? finding(problem) : OK;
}

/** Rejects with a plain error if `p` has not settled within 5 s. */
export function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    const hang = Object.assign(new Error(`${what} did not settle within 5 s`), { code: 'NEVER_SETTLED' });
    timer = setTimeout(() => reject(hang), 5000);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
