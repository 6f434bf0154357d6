// The bounds the oracle reads: sockctl's own limits(name), so that no
// option's range is written twice.
import * as sockctl from '../../lib';

/** This platform's bounds for one option, as limits(name) returns them. */
export type Limits =
  | { kind: 'integer'; min: number; max: number; step: number }
  | { kind: 'linger'; min: 0; max: number }
  | { kind: 'string'; maxBytes: number }
  | { kind: 'boolean' };

type LimitsFn = (name: unknown) => Limits | undefined;

// ---- SHIM until lib exports limits(). Then this block becomes
// `export const limits = sockctl.limits;` and exports.ts drops limitsShimmed. ----
/** Today's optionTable and MAX_LINGER_SECONDS, read the way lib/socket-options.ts resolves a row. */
function limitsShim(name: unknown): Limits | undefined {
  const table = sockctl.optionTable as Record<string, sockctl.OptionRow>;
  const fail = (E: typeof TypeError, code: string) => Object.assign(new E(`limits: bad name`), { code });
  if (typeof name !== 'string') throw fail(TypeError, 'ERR_INVALID_ARG_TYPE');
  if (!Object.hasOwn(table, name)) throw fail(TypeError, 'ERR_INVALID_ARG_VALUE');
  if (!sockctl.features[name as sockctl.OptionName]) return undefined;
  const row = table[name];
  const os = row[process.platform as 'linux' | 'darwin' | 'win32'];
  switch (row.value) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'string':
      return { kind: 'string', maxBytes: row.maxBytes! };
    case 'linger':
      return { kind: 'linger', min: 0, max: sockctl.MAX_LINGER_SECONDS };
    default:
      return { kind: 'integer', min: os?.min ?? row.min!, max: os?.max ?? row.max!, step: os?.scale ?? 1 };
  }
}
const exported = (sockctl as unknown as { limits?: LimitsFn }).limits;
/** True while the shim stands in for the export (the export list then lacks `limits`). */
export const limitsShimmed = exported === undefined;
export const limits: LimitsFn = exported ?? limitsShim;
// ---- end of SHIM ----
