// The bounds the oracle reads: sockctl's own limits(name), so that no
// option's range is written twice.
import * as sockctl from '../../lib';

/** This platform's bounds for one option, as limits(name) returns them. */
export type Limits =
  | { kind: 'integer'; min: number; max: number; step: number }
  | { kind: 'linger'; min: 0; max: number }
  | { kind: 'string'; maxBytes: number }
  | { kind: 'boolean' };

/** The export itself: the oracle trusts no copy of the rule. */
export const limits = sockctl.limits as (name: unknown) => Limits | undefined;
