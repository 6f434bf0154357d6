// limits(name): an option's bounds on this platform, the one source the
// docs, the tests and the fuzzer read instead of restating a rule.
import { invalidArgType } from '../errors';
import { unknownKey } from '../validate';
import { usable } from './features';
import { limitsOf, MAX_LINGER_SECONDS, type OptionLimits } from './resolve';
import { OPTION_NAMES, OPTIONS, type OptionName } from './table';

export { MAX_LINGER_SECONDS, type OptionLimits };

/**
 * This platform's bounds of an option's value: `{ kind: 'integer', min, max,
 * step }` (the OS counts in steps of `step`), `{ kind: 'linger', min: 0, max }`
 * in seconds, `{ kind: 'string', maxBytes }` or `{ kind: 'boolean' }`;
 * undefined where `features[name]` is false.
 */
export function limits(name: OptionName): OptionLimits | undefined {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  if (!Object.hasOwn(OPTIONS, name)) throw unknownKey('name', OPTION_NAMES, name, 'is not an option');
  const r = usable().get(name);
  return r === undefined ? undefined : limitsOf(r);
}
