// Each row of the option table resolved against this OS and build: the
// constants it names, its value encoding and its bounds here.
import { KIND, phaseBits, type OpSpelling } from '../native/abi';
import { native } from '../native/binding';
import { OPTION_NAMES, OPTIONS, PHASES, type OptionName, type OptionRow, type OsOption } from './table';

export const platform = process.platform as 'linux' | 'darwin' | 'win32';
const constants = native.constants;

/** This OS's spelling of an option, when its build has the constants. */
export interface Resolved extends OpSpelling {
  name: OptionName;
  row: OptionRow;
  os: OsOption;
  /**
   * The row's value type, copied because every call reads it: rows differ in
   * shape (each has its own optional keys), so r.row.value is a megamorphic
   * load once the probe has seen them all; every Resolved has one shape.
   */
  value: OptionRow['value'];
  /** Only a TCP socket takes it (the row's `tcp`, copied for the same reason). */
  tcp: boolean;
  kind: number;
  /** The OS counts in units of `scale` of the option's unit. */
  scale: number;
  min: number;
  max: number;
  /** Windows before 1709: written through SIO_KEEPALIVE_VALS only (set by the feature probe). */
  keepAliveVals: boolean;
  /**
   * Set and read with a system call of its own, without an op: an int or a
   * linger, in time at every stage, the same option for IPv4 and IPv6 —
   * nothing to ask the socket first.
   */
  direct: boolean;
}

/** Every row this OS's build spells, by name, in table order. */
export const resolved = new Map<OptionName, Resolved>();
for (const name of OPTION_NAMES) {
  const row: OptionRow = OPTIONS[name];
  const os = row[platform];
  if (os === undefined) continue;
  const level = constants[os.level];
  const option = constants[os.name];
  const level6 = os.v6 ? constants[os.v6[0]] : -1;
  const option6 = os.v6 ? constants[os.v6[1]] : 0;
  if (level === undefined || option === undefined || level6 === undefined || option6 === undefined) continue;
  resolved.set(name, {
    name,
    row,
    os,
    value: row.value,
    tcp: row.tcp === true,
    phaseBits: phaseBits(PHASES[row.phase].inTimeAt, row.tcp === true),
    level,
    option,
    level6,
    option6,
    kind: KIND[os.kind ?? 'int'],
    scale: os.scale ?? 1,
    min: os.min ?? row.min ?? 0,
    max: os.max ?? row.max ?? 0,
    keepAliveVals: false,
    direct: (os.kind === undefined || os.kind === 'linger') && row.phase === 'any' && level6 < 0,
  });
}

/** This platform's bounds of one option's value. */
export type OptionLimits =
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number; step: number }
  | { kind: 'linger'; min: 0; max: number }
  | { kind: 'string'; maxBytes: number };

export function limitsOf(r: Resolved): OptionLimits {
  switch (r.value) {
    case 'boolean':
      return Object.freeze({ kind: 'boolean' });
    case 'linger':
      return Object.freeze({ kind: 'linger', min: 0, max: r.max });
    case 'string':
      return Object.freeze({ kind: 'string', maxBytes: r.row.maxBytes ?? 0 });
    default:
      return Object.freeze({ kind: 'integer', min: r.min, max: r.max, step: r.scale });
  }
}

/** SO_LINGER's bound on this OS (table data), whether or not the build has it. */
export const MAX_LINGER_SECONDS: number = (OPTIONS.linger[platform] as OsOption | undefined)?.max ?? 0;
