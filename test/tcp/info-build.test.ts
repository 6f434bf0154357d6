// The TcpInfo builder is generated from the one field list: the committed
// file must be what the script writes, so a field added to the list without
// rerunning it fails here.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELDS } from '../../lib/tcp/fields';

const root = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require(path.join(root, 'scripts', 'tcp-info-build.js')) as {
  render(fields: readonly (readonly [string, string?])[]): string;
};

describe('the generated TcpInfo builder', () => {
  it('is up to date with lib/tcp/fields.ts (--check passes)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/tcp-info-build.js', '--check'], { cwd: root })).not.toThrow();
  });

  it('changes with the field list: a new field gets a typed member and its slot', () => {
    const text = build.render([...FIELDS, ['newFieldUs', 'A field added to the list.']]);
    expect(text).toContain('/** A field added to the list. */\n  newFieldUs?: number;');
    expect(text).toContain(`newFieldUs: p(out[base + ${FIELDS.length}]),`);
    expect(text).not.toBe(build.render(FIELDS));
  });
});
