// The parts of a policy each route applies at each moment.
import type { ApplyResult } from '../options/api';
import { plan } from '../options/plan';
import { refuseBlockingLinger } from '../options/windows-linger';
import { OPTION_NAMES, OPTIONS, type OptionRow } from '../options/table';
import type { Policy } from '../options/types';

/**
 * Checks a route's policy (names, types, ranges) without a system call, and
 * returns the frozen copy the route keeps: what the policy said when the
 * route was made, whatever the caller does with its object later, and laid
 * out only once by apply(). On Windows every socket a route sets is Node's,
 * so a linger above 0 is refused here (see options/windows-linger.ts).
 */
export function checkPolicy(policy: unknown, name: string): Policy {
  plan(policy, name);
  refuseBlockingLinger('route', (policy as Policy).linger);
  return frozenCopy(policy as Policy);
}

function frozenCopy(policy: Policy): Policy {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(policy)) {
    copy[name] = typeof value === 'object' && value !== null ? Object.freeze({ ...value }) : value;
  }
  return Object.freeze(copy) as Policy;
}

/** A result that skips every option of a policy as unsupported (a Unix socket, say). */
export function unsupported(policy: Policy): ApplyResult {
  const skipped = OPTION_NAMES.filter((name) => policy[name] !== undefined).map((name) => ({
    name,
    reason: 'unsupported' as const,
  }));
  return { applied: [], skipped };
}

/** The options of a policy whose table rows pass `keep`. */
export function pick(policy: Policy, keep: (row: OptionRow) => boolean): Policy {
  const part: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    if (policy[name] !== undefined && keep(OPTIONS[name])) part[name] = policy[name];
  }
  return Object.freeze(part) as Policy;
}

/** What Node's own writes at connect and on 'free' would undo, and so goes back on after them. */
export function afterNodePart(policy: Policy): Policy {
  return pick(policy, (row) => row.nodeWrites !== undefined);
}
