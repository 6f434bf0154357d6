// setOption, getOption and apply on the fixture's targets. An argument error
// comes before any system call, so its code is known exactly; past that, the
// target decides (a destroyed socket or a closed descriptor: EBADF), except
// that a policy with nothing to set on a descriptor makes no system call at
// all and must succeed.
import * as sockctl from '../../lib';
import { judge, must, outcomeOf, SYSTEM, TCP_ONLY, TOO_LATE, UNAVAILABLE, type Outcome, type Want } from './contract';
import type { Fuzzer, Target } from './fixture';
import { limits } from './limits';
import {
  applyResultProblem,
  nameError,
  optionName,
  optionValue,
  planWant,
  policy,
  valueError,
  valueTypes,
} from './named';
import { shownTarget, targetError } from './targeted';

interface Call {
  args: unknown[];
  /** What the arguments other than the target must get, if they are wrong. */
  argWant?: Want;
  check?: (value: unknown) => string | undefined;
  /** False for a policy with nothing to set. */
  callsTheOs?: boolean;
  checkError?: (err: unknown) => string | undefined;
}

function draw(f: Fuzzer, fn: string): Call {
  const { rng } = f;
  if (fn === 'setOption') {
    const name = optionName(rng);
    const value = optionValue(rng, name);
    const error = nameError(name) ?? valueError(name as sockctl.OptionName, value);
    return { args: [name, value], argWant: error && must(error) };
  }
  if (fn === 'getOption') {
    const name = optionName(rng);
    const error = nameError(name);
    const kind = error ? undefined : limits(name)?.kind;
    const check = (got: unknown) => (kind && typeof got === valueTypes[kind] ? undefined : `read back a ${typeof got}`);
    return { args: [name], argWant: error && must(error), check };
  }
  const drawn = policy(rng);
  const { want, toSet } = planWant(drawn);
  return {
    args: [drawn.value],
    argWant: want,
    check: (result) => applyResultProblem(drawn.value as Record<string, unknown>, result as sockctl.ApplyResult),
    callsTheOs: toSet.length > 0,
    checkError: (err) => {
      // A failed setsockopt says what was set before it.
      const result = (err as { result?: sockctl.ApplyResult }).result;
      if ((err as { syscall?: string }).syscall !== 'setsockopt') return undefined;
      return result && result.applied.every((name) => toSet.includes(name)) ? undefined : 'no result on the error';
    },
  };
}

function wantFor(fn: string, t: Target, c: Call): Want {
  // Arguments first, in order, as Node does: the target's type and range, then the name and value; only then is a
  // target without a live socket (destroyed, never connected) refused.
  if (t.kind === 'notype' || t.kind === 'range') return must([targetError(fn, t)!]);
  if (c.argWant) return c.argWant;
  // Windows refuses by name, before the target, reading a keepalive time it can only write (before build 1709).
  if (t.kind === 'gone') return must([targetError(fn, t)!, ...(process.platform === 'win32' ? UNAVAILABLE : [])]);
  const callsTheOs = c.callsTheOs ?? true;
  // Winsock judges a closed handle after the option, as for setsockopt.
  const code = callsTheOs && !(process.platform === 'win32' && t.kind === 'closed') ? targetError(fn, t) : undefined;
  if (code) return must([code]);
  if (!callsTheOs) return { codes: [] };
  // Only setOption reports a passed phase by throwing; apply skips it, getOption reads anyway.
  // A TCP-only option on a UDP or Unix socket: setOption and getOption refuse it, apply skips it.
  const windows = process.platform === 'win32' ? UNAVAILABLE : [];
  if (fn === 'setOption') return { codes: [SYSTEM, TOO_LATE, TCP_ONLY, ...windows] };
  return { codes: fn === 'getOption' ? [SYSTEM, TCP_ONLY, ...windows] : [SYSTEM, ...windows] };
}

export async function namedCall(f: Fuzzer, fn: 'setOption' | 'getOption' | 'apply'): Promise<Outcome> {
  const t = await f.target(false);
  const c = draw(f, fn);
  const call = sockctl[fn] as (...a: unknown[]) => unknown;
  const result = await outcomeOf(() => call(t.value, ...c.args));
  return judge(fn, [shownTarget(t), ...c.args], wantFor(fn, t, c), result, c.check, c.checkError);
}
