'use strict';
// The matrix of docs/clients.md — client × route × TLS → what the kernel held
// after the client's own set-up, per Node version — rendered from what the
// client tests recorded (.tmp/matrix/<Node major>/*.jsonl, see
// test/clients/matrix.ts) on each Node they ran on:
//   node scripts/client-matrix.js           rewrite the table in docs/clients.md
//   node scripts/client-matrix.js --check   fail if the docs say otherwise
// Run the suite on every Node first: npm test, then npm run test:node-versions.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const docs = path.join(root, 'docs', 'clients.md');
const dir = path.join(root, '.tmp', 'matrix');
const BEGIN = '<!-- matrix:begin — written by scripts/client-matrix.js from the client tests; do not edit -->';
const END = '<!-- matrix:end -->';
const CLIENTS = ['pg', 'mysql2', 'ioredis', 'redis (node-redis)', 'undici', 'ws'];
const ROUTES = ['installPolicy', 'createConnection', 'createSocket', 'undiciConnector'];

function recorded() {
  const byNode = new Map(); // major -> { version, outcomes: Map<rowKey, outcome> }
  const rows = new Map(); // rowKey -> row
  if (!fs.existsSync(dir)) return { byNode, rows };
  for (const major of fs.readdirSync(dir)) {
    const outcomes = new Map();
    let version = major;
    for (const file of fs.readdirSync(path.join(dir, major))) {
      for (const line of fs.readFileSync(path.join(dir, major, file), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const { node, outcome, ...row } = JSON.parse(line);
        const key = JSON.stringify([row.client, row.route, row.precedence ?? '', row.tls, row.end ?? '']);
        // The files are appended to: the last line for a row is the latest run's.
        outcomes.set(key, outcome);
        rows.set(key, row);
        version = node;
      }
    }
    byNode.set(Number(major), { version, outcomes });
  }
  return { byNode, rows };
}

function render() {
  const { byNode, rows } = recorded();
  if (rows.size === 0) throw new Error('nothing recorded: run the client tests first (npm test on Linux x64)');
  const majors = [...byNode.keys()].sort((a, b) => a - b);
  const order = (row) => [
    CLIENTS.indexOf(row.client),
    ROUTES.indexOf(row.route),
    row.precedence ? 1 : 0,
    row.tls ? 1 : 0,
    row.end === 'server' ? 1 : 0,
  ];
  const keys = [...rows.keys()].sort((a, b) => {
    const x = order(rows.get(a));
    const y = order(rows.get(b));
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
  const lines = [
    `| client | route | TLS | ${majors.map((m) => `Node ${m}`).join(' | ')} |`,
    `| --- | --- | --- | ${majors.map(() => '---').join(' | ')} |`,
  ];
  for (const key of keys) {
    const row = rows.get(key);
    const route = `\`${row.route}\`${row.precedence ? ` (precedence \`'${row.precedence}'\`)` : ''}`;
    const client = row.end ? `${row.client} (${row.end} end)` : row.client;
    const cells = majors.map((m) => byNode.get(m).outcomes.get(key) ?? '—');
    lines.push(`| ${client} | ${route} | ${row.tls ? 'yes' : 'no'} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main() {
  const prettier = require('prettier');
  const text = fs.readFileSync(docs, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/clients.md has no ${BEGIN} … ${END} block`);
  // As the format check will want it.
  const updated = await prettier.format(`${text.slice(0, begin)}${BEGIN}\n\n${render()}\n\n${text.slice(end)}`, {
    ...(await prettier.resolveConfig(docs)),
    filepath: docs,
  });
  if (process.argv.includes('--check')) {
    if (updated !== text) {
      console.error('docs/clients.md: the matrix differs from what the client tests recorded on these Nodes:');
      console.error(render());
      console.error('Run npm test and npm run test:node-versions, then node scripts/client-matrix.js, and commit.');
      process.exit(1);
    }
    console.log('docs/clients.md: the matrix is what the client tests recorded');
    return;
  }
  fs.writeFileSync(docs, updated);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
