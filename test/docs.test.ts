// The documentation's links resolve: every relative link in README.md,
// CONTRIBUTING.md and docs/ names a file that exists and, with a #fragment,
// a heading of that file, as GitHub anchors headings.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  ...fs.readdirSync(path.join(root, 'docs')).map((f) => path.join('docs', f)),
].filter((f) => f.endsWith('.md'));

/** The text outside fenced code blocks. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(fs.readFileSync(path.join(root, file), 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('the documentation', () => {
  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const text = prose(fs.readFileSync(path.join(root, page), 'utf8'));
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [file, fragment] = target.split('#');
      const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
      if (!fs.existsSync(path.join(root, resolved))) broken.push(`${target}: no file ${resolved}`);
      else if (fragment !== undefined && !anchors(resolved).has(fragment)) broken.push(`${target}: no heading`);
    }
    expect(broken).toEqual([]);
  });

  it('README.md stays an entry point, under 200 lines, with the command CI runs', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme).toMatch(/^npm test\b/m);
  });
});

/** Every file under `dir` (relative to it), sorted. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      path
        .relative(path.join(root, dir), path.join(e.parentPath ?? e.path, e.name))
        .split(path.sep)
        .join('/'),
    )
    .sort();
}

describe("CONTRIBUTING.md's map of the code", () => {
  const text = fs.readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8');
  const map = text.slice(text.indexOf('## Code structure'), text.indexOf('### Where do I find'));
  /** The map's rows: the paths in its first cell, with a row's folder carried to the names after it. */
  const named = (area: string): Set<string> => {
    const section = map.slice(map.indexOf(`### ${area}/`));
    const rows = section.slice(0, section.indexOf('\n### ') > 0 ? section.indexOf('\n### ') : undefined);
    const out = new Set<string>();
    for (const [, cell] of rows.matchAll(/^\| (`[^|]+`) \|/gm)) {
      let folder = '';
      for (const [, name] of cell.matchAll(/`([^`]+)`/g)) {
        if (name.includes('/')) folder = name.endsWith('/') ? name : name.slice(0, name.lastIndexOf('/') + 1);
        out.add(name.includes('/') ? name : folder + name);
      }
    }
    return out;
  };

  it('names every file of lib/, and only files that exist', () => {
    const paths = named('lib');
    const files = filesUnder('lib').filter((f) => !f.endsWith('.d.ts'));
    expect(files.filter((f) => !paths.has(f) && !paths.has(f.slice(0, f.indexOf('/') + 1)))).toEqual([]);
    expect([...paths].filter((p) => !p.endsWith('/') && !files.includes(p))).toEqual([]);
  });

  it('names every file of native/ or its per-OS folder, and only files that exist', () => {
    const paths = named('native');
    const files = filesUnder('native');
    expect(files.filter((f) => !paths.has(f) && !paths.has(f.slice(0, f.indexOf('/') + 1)))).toEqual([]);
    expect([...paths].filter((p) => !p.endsWith('/') && !files.includes(p))).toEqual([]);
  });
});
