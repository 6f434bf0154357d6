'use strict';
// npm run options-matrix: writes the option matrix of docs/api.md from the
// option table (lib/options/table.ts, as built into dist/), between the
// `<!-- options-matrix:start -->` and `<!-- options-matrix:end -->` markers,
// and leaves the rest of the file alone.
//
//   node scripts/options-matrix.js [--check] [file]
//
// `file` defaults to docs/api.md. With --check nothing is written: it exits 1
// when the file's matrix differs from the table, so CI catches a table change
// without its docs change (test/options/matrix.test.ts runs it).
const fs = require('node:fs');
const path = require('node:path');

const START = '<!-- options-matrix:start -->';
const END = '<!-- options-matrix:end -->';

const OSES = [
  ['linux', 'Linux'],
  ['darwin', 'macOS'],
  ['win32', 'Windows'],
];

/** The legend, with one line per phase from the table's PHASES record. */
function legend(phases) {
  return [
    '**Phase** — the point after which the option has no effect, so `setOption` refuses it:',
    '',
    ...Object.values(phases).map((p) => `- **${p.label}**: ${p.legend}`),
    '',
    'Set late, some options keep only part of their effect; [what the kernel does past each phase](#phases-and-err_socket_option_too_late) says what.',
    '',
    'Past its phase, `setOption` throws `ERR_SOCKET_OPTION_TOO_LATE` and `apply` skips the option as `too-late`.',
    '',
    '❌ not available on that OS: `setOption`/`getOption` throw `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` and `apply` skips it as `unsupported`. `features[name]` says the same at run time, and is also false where the running kernel or the build lacks an option the OS has (a note such as "Linux 4.2+" says when).',
  ];
}

/**
 * A paragraph or list item wrapped at the docs' 120 columns, list items
 * continued two spaces in. Tables are left whole.
 */
function wrap(line, width = 120) {
  const indent = line.startsWith('- ') ? '  ' : '';
  const out = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = indent + word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  out.push(current);
  return out.join('\n');
}

/** A bound as the docs write it: 2³¹−1 rather than 2147483647. */
function num(n) {
  if (n === 0x7fffffff) return '2³¹−1';
  if (n === 0xffffffff) return '2³²−1';
  return String(n);
}

/** The unit an option's name ends with: keepAliveIdleSecs counts seconds. */
function unitOf(name) {
  if (/Secs$/.test(name)) return ' s';
  if (/Ms$/.test(name)) return ' ms';
  if (/Bytes$/.test(name)) return ' bytes';
  return '';
}

function range(name, min, max) {
  return `${num(min)} … ${num(max)}${unitOf(name)}`;
}

function typeCell(name, row) {
  let cell;
  switch (row.value) {
    case 'boolean':
      cell = 'boolean';
      break;
    case 'string':
      cell = `string, ≤ ${row.maxBytes} bytes`;
      break;
    case 'linger':
      cell = '`{ enabled, seconds }`, seconds or `false`; seconds 0 … `MAX_LINGER_SECONDS` (per OS)';
      break;
    default:
      cell = `${row.unsigned ? 'unsigned ' : ''}integer, ${range(name, row.min, row.max)}`;
  }
  return row.tcp ? `${cell}; TCP only` : cell;
}

/**
 * A note, without a leading clause that only repeats the constant names the
 * cell already shows ('TCP_MAXRT, whole seconds' next to `TCP_MAXRT`), and
 * with constant names set as code.
 */
function noteText(note, shown) {
  const clauses = note.split(', ');
  while (clauses.length > 1 && clauses[0].split(/\s*\/\s*/).every((word) => shown.includes(word))) clauses.shift();
  return clauses.join(', ').replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, '`$&`');
}

function osCell(name, row, os) {
  if (os === undefined) return '❌';
  const shown = [os.name];
  let cell = `\`${os.name}\``;
  if (os.v6) {
    shown.push(os.v6[1]);
    cell += `; IPv6: \`${os.v6[1]}\``;
  }
  const extras = [];
  if (os.note) extras.push(noteText(os.note, shown));
  if (row.value === 'linger') {
    extras.push(`${range(name, 0, os.max)} s`);
  } else {
    const min = os.min ?? row.min;
    const max = os.max ?? row.max;
    if (min !== row.min || max !== row.max) extras.push(range(name, min, max));
  }
  return extras.length ? `${cell} (${extras.join('; ')})` : cell;
}

/** The matrix for a table of options and its phases record: the rows, then the legend. */
function render(table, phases) {
  const lines = [
    '| option | value | phase | Linux | macOS | Windows | Node core |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, row] of Object.entries(table)) {
    const phase = phases[row.phase]?.label;
    if (phase === undefined) throw new Error(`options-matrix: option ${name} has an unknown phase ${row.phase}`);
    const cells = [
      `\`${name}\``,
      typeCell(name, row),
      phase,
      ...OSES.map(([os]) => osCell(name, row, row[os])),
      row.core,
    ];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return [...lines, '', ...legend(phases).map((line) => wrap(line))].join('\n');
}

/** `doc` with the text between the markers replaced by `matrix`. */
function replaceSection(doc, matrix) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`options-matrix: no ${START} … ${END} section found`);
  const eol = doc.includes('\r\n') ? '\r\n' : '\n';
  const body = matrix.split('\n').join(eol);
  return `${doc.slice(0, start + START.length)}${eol}${eol}${body}${eol}${eol}${doc.slice(end)}`;
}

function main(argv) {
  const check = argv.includes('--check');
  const file = argv.find((a) => a !== '--check') ?? path.join(__dirname, '..', 'docs', 'api.md');
  // The built table (npm run build:ts; the npm script builds it first).
  const { OPTIONS, PHASES } = require('../dist/options/table');
  const before = fs.readFileSync(file, 'utf8');
  const after = replaceSection(before, render(OPTIONS, PHASES));
  if (before === after) {
    if (!check) console.log(`${path.basename(file)}: the option matrix is up to date`);
    return 0;
  }
  if (check) {
    console.error(
      `${path.basename(file)}: the option matrix differs from lib/options/table.ts; run \`npm run options-matrix\` and commit the result`,
    );
    return 1;
  }
  fs.writeFileSync(file, after);
  console.log(`${path.basename(file)}: option matrix rewritten`);
  return 0;
}

module.exports = { render, replaceSection, START, END };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exitCode = 2;
  }
}
