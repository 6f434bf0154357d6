// The option matrix of docs/api.md is generated from the option table
// (scripts/options-matrix.js); a table change without its docs change
// fails here, and so in CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS, PHASES } from '../../lib/options/table';

const root = path.join(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'options-matrix.js');
const docPath = path.join(root, 'docs', 'api.md');

const matrix = createRequire(__filename)(script) as {
  render(table: object, phases: object): string;
  replaceSection(doc: string, text: string): string;
  START: string;
  END: string;
};

function run(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
}

describe('the option matrix of docs/api.md', () => {
  it('matches lib/options/table.ts (npm run options-matrix rewrites it)', () => {
    // Rendered from the TypeScript source, so a stale dist/ cannot hide a change.
    const doc = fs.readFileSync(docPath, 'utf8');
    expect(matrix.replaceSection(doc, matrix.render(OPTIONS, PHASES)) === doc, 'run npm run options-matrix').toBe(true);
  });

  it('--check passes on docs/api.md', () => {
    const r = run(['--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--check fails on a stale matrix, and a rewrite restores it without touching the rest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-matrix-'));
    try {
      const copy = path.join(dir, 'api.md');
      const doc = fs.readFileSync(docPath, 'utf8');
      const stale = doc.replace(/^\| `keepAliveCount` \|.*\n/m, '');
      expect(stale).not.toBe(doc);
      fs.writeFileSync(copy, stale);

      const check = run(['--check', copy]);
      expect(check.status).toBe(1);
      expect(check.stderr).toMatch(/option matrix differs/);
      expect(fs.readFileSync(copy, 'utf8')).toBe(stale);

      expect(run([copy]).status).toBe(0);
      expect(fs.readFileSync(copy, 'utf8')).toBe(doc);
      expect(run(['--check', copy]).status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file without the markers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-matrix-'));
    try {
      const copy = path.join(dir, 'api.md');
      fs.writeFileSync(copy, '# no markers\n');
      const r = run(['--check', copy]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(matrix.START);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps CRLF line endings (a Windows checkout)', () => {
    const doc = fs.readFileSync(docPath, 'utf8').replace(/\r?\n/g, '\r\n');
    expect(matrix.replaceSection(doc, matrix.render(OPTIONS, PHASES))).toBe(doc);
  });

  it('shows every option once, with ❌ where an OS has no row', () => {
    const text = matrix.render(OPTIONS, PHASES);
    const rows = text.split('\n').filter((l) => /^\| `/.test(l));
    expect(rows.map((l) => l.split(' | ')[0].slice(2))).toEqual(Object.keys(OPTIONS).map((n) => `\`${n}\``));
    const mark = rows.find((l) => l.startsWith('| `mark` |'));
    expect(mark?.split(' | ').slice(3, 6)).toEqual(['`SO_MARK`', '❌', '❌']);
  });
});
