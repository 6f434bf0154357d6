// Every export of lib/index.ts, and how the fuzzer exercises it: a function
// is called with hostile arguments, a value is checked immutable. The list
// is compared with the module's own at run time, so an export added without
// an entry here fails the suite instead of going unfuzzed.
import * as sockctl from '../../lib';
import type { Outcome } from './contract';
import type { Fuzzer } from './fixture';
import { immutabilityProblems } from './frozen';
import { namedCall } from './named-calls';
import { ROUTES } from './routes';
import { TARGETED, targeted } from './targeted';
import { TARGETLESS } from './targetless';

type Run = (f: Fuzzer) => Promise<Outcome>;

export const FUNCTIONS: Record<string, Run> = {
  ...Object.fromEntries(TARGETED.map((fn) => [fn, (f: Fuzzer) => targeted(f, fn)])),
  setOption: (f) => namedCall(f, 'setOption'),
  getOption: (f) => namedCall(f, 'getOption'),
  apply: (f) => namedCall(f, 'apply'),
  ...TARGETLESS,
  ...ROUTES,
};

const immutable = (name: string) => () => immutabilityProblems(name, (sockctl as Record<string, unknown>)[name]);
export const VALUES: Record<string, () => string[]> = {
  constants: immutable('constants'),
  features: immutable('features'),
  runtimeLimits: immutable('runtimeLimits'),
  MAX_LINGER_SECONDS: immutable('MAX_LINGER_SECONDS'),
  MAX_RAW_OPTION_BYTES: immutable('MAX_RAW_OPTION_BYTES'),
  optionTable: immutable('optionTable'),
  optionNames: immutable('optionNames'),
  TCP_STATES: immutable('TCP_STATES'),
};

/** What the export list and these tables disagree on. */
export function coverageProblems(): string[] {
  const module = sockctl as Record<string, unknown>;
  const problems = Object.keys(module).flatMap((name) => {
    const fn = typeof module[name] === 'function';
    if (Object.hasOwn(fn ? FUNCTIONS : VALUES, name)) return [];
    return Object.hasOwn(fn ? VALUES : FUNCTIONS, name)
      ? [`export ${name} is fuzzed as a ${fn ? 'value' : 'function'}, but is a ${fn ? 'function' : 'value'}`]
      : [`export ${name} is not fuzzed`];
  });
  // limits: fuzzed through the test's stand-in until lib exports it.
  const stale = [...Object.keys(FUNCTIONS), ...Object.keys(VALUES)].filter((name) => !Object.hasOwn(module, name));
  return [...problems, ...stale.map((name) => `${name} is fuzzed but no export`)];
}

/** One call of a function export drawn at random; resolves with what was wrong, if anything. */
export async function step(f: Fuzzer): Promise<Outcome> {
  const names = Object.keys(FUNCTIONS);
  const fn = f.rng.pick(names);
  f.calls.set(fn, (f.calls.get(fn) ?? 0) + 1);
  return FUNCTIONS[fn](f);
}
