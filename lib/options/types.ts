// The types the option table gives each option's value.
import type { OPTIONS, OptionName } from './table';

export type { OptionName, OptionRow, OsOption, Phase } from './table';

export interface Linger {
  enabled: boolean;
  /** How long close() may wait for unsent data to be acknowledged. */
  seconds: number;
}

interface ValueTypes {
  boolean: boolean;
  integer: number;
  string: string;
  linger: Linger;
}
interface SetValueTypes extends Omit<ValueTypes, 'linger'> {
  /** `{ enabled, seconds }`, a number of seconds (enabled), or false (disabled). */
  linger: Linger | number | false;
}

/** What getOption returns for each option. */
export type OptionValues = { [K in OptionName]: ValueTypes[(typeof OPTIONS)[K]['value']] };
/** What setOption takes for each option. */
export type OptionInput = { [K in OptionName]: SetValueTypes[(typeof OPTIONS)[K]['value']] };
/** Any number of options, for apply() and the policy routes. */
export type Policy = Partial<OptionInput>;
