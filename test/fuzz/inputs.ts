// The fuzzer's dice, and the hostile values it draws.

/** PCG32 (O'Neill): a full 2^64 period, and the same sequence for the same seed. */
export class Pcg32 {
  private state: bigint;
  constructor(seed: number) {
    this.state = 0n;
    this.next();
    this.state = (this.state + BigInt(seed)) & 0xffffffffffffffffn;
    this.next();
  }
  next(): number {
    const old = this.state;
    this.state = (old * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    const xorshifted = Number(((old >> 18n) ^ old) >> 27n) >>> 0;
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
  /** True one time in `n`. */
  oneIn(n: number): boolean {
    return this.below(n) === 0;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)];
  }
}

/**
 * Keys every plain object inherits: a table read by name without
 * Object.hasOwn finds them, and `{ __proto__: x }` sets the prototype.
 */
export const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const;

export const numbers = [
  0,
  -0,
  1,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53,
  65535,
  65536,
  4,
  8,
  512,
];

export const junk: unknown[] = [
  undefined,
  null,
  true,
  false,
  '',
  'x',
  '127.0.0.1',
  '::1',
  {},
  [],
  Symbol('s'),
  10n,
  () => {},
  new ArrayBuffer(4),
  new Date(0),
  ...PROTO_KEYS,
  ...numbers,
];

/** Mostly a number, sometimes anything. */
export function arg(rng: Pcg32): unknown {
  return rng.oneIn(3) ? rng.pick(junk) : rng.pick(numbers);
}

export function nonString(rng: Pcg32): unknown {
  const v = arg(rng);
  return typeof v === 'string' ? undefined : v;
}

/**
 * A near miss of `key`, as callers type them: all lower case (`reuseport`,
 * `localport`), a letter dropped, doubled or swapped with the next. Never a
 * key of `valid` itself.
 */
export function misspell(rng: Pcg32, key: string, valid: readonly string[]): string | undefined {
  for (let tries = 0; tries < 8; tries++) {
    const i = rng.below(key.length);
    const candidates = [
      key.toLowerCase(),
      key.slice(0, i) + key.slice(i + 1),
      key.slice(0, i + 1) + key.slice(i),
      key.slice(0, i) + key.slice(i + 1, i + 2) + key.slice(i, i + 1) + key.slice(i + 2),
    ];
    const typo = rng.pick(candidates);
    if (typo !== '' && !valid.includes(typo)) return typo;
  }
  return undefined;
}

/** A copy of `base` with an own enumerable `key`, even '__proto__' (which a literal or an assignment would not make). */
export function withOwn(base: object, key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = { ...base };
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Levenshtein distance, ignoring case. */
export function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length];
}
