// Faults: the before-bind helpers under descriptor exhaustion give typed
// errors and leak nothing. Run in a child whose RLIMIT_NOFILE is lowered.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulator, under } from './helpers/platform';

// The children count sockets with fs.fstatSync(fd) and fill the table with fs.openSync.
const DENO_FS = "Deno's fs takes its own resource ids, not descriptors";
// Measured: a connect() that fails with EMFILE is reported as ECONNREFUSED, and listen()'s failure has no code.
const BUN_EMFILE = 'Bun misreports EMFILE: its connect() says ECONNREFUSED, its listen() gives no code';

const root = path.join(__dirname, '..');
// What both child scripts start with: sockctl, a count of this process's
// sockets, and a way to fill its descriptor table.
const prelude = `
  const fs = require('node:fs');
  const sockctl = require(${JSON.stringify(root)});
  // Sockets, counted with fstat(), which needs no descriptor of its own
  // (readdir would). Sockets only: qemu-user opens and closes files of its
  // own meanwhile, and the spare descriptors below are files.
  const count = () => { let n = 0; for (let fd = 0; fd < 1024; fd++) { try { if (fs.fstatSync(fd).isSocket()) n++; } catch {} } return n; };
  // Fill the table: every further descriptor fails with EMFILE. Topped up
  // before each call: qemu-user opens descriptors of its own for a moment,
  // and one it frees would otherwise be free for the call.
  const spare = [];
  const fill = () => {
    for (;;) {
      try { spare.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code === 'EMFILE') return; throw e; }
    }
  };
  const unfill = () => spare.splice(0).forEach((fd) => fs.closeSync(fd));`;

/**
 * Runs a child script after the prelude, with RLIMIT_NOFILE lowered; returns
 * what it printed, parsed. The child exits once it has printed, whatever it
 * left open, and is killed after CHILD_MS: a socket a call should not have
 * made must fail the test, not hang it.
 */
function underLowLimit(body: string): unknown {
  // ulimit -n sets the hard limit too, so Node cannot raise it at start-up.
  const out = execFileSync('sh', ['-c', 'ulimit -n 96 && exec "$0" -e "$1"', process.execPath, prelude + body], {
    encoding: 'utf8',
    timeout: CHILD_MS,
  });
  return JSON.parse(out);
}

const CHILD_MS = 60_000;

/**
 * underLowLimit, until no call found a free descriptor — under qemu only, up
 * to three times: qemu-user opens and closes descriptors of its own in the
 * same table, and one it frees between the top-up and the call lets that
 * call succeed (seen in CI: connect 'ok'). Everywhere else, once.
 */
function underLowLimitSettled(body: string): unknown {
  let outcome: unknown;
  for (let attempt = 0; attempt < (emulator === 'qemu' ? 3 : 1); attempt++) {
    outcome = underLowLimit(body);
    if (!Object.values(outcome as Record<string, unknown>).includes('ok')) break;
  }
  return outcome;
}

const script = `
  const net = require('node:net');
  const dgram = require('node:dgram');
  (async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = server.address().port;
    fill();
    const before = count();
    const outcome = {};
    const note = (name, err) => (outcome[name] = err ? err.code + ' ' + err.syscall : 'ok');
    fill();
    try { sockctl.openBoundSocket({ type: 'tcp', address: '127.0.0.1' }); note('openBoundSocket'); } catch (e) { note('openBoundSocket', e); }
    fill();
    await sockctl.listen(net.createServer(), { host: '127.0.0.1' }).then(() => note('listen'), (e) => note('listen', e));
    fill();
    await sockctl.connect({ host: '127.0.0.1', port }).then(() => note('connect'), (e) => note('connect', e));
    fill();
    await sockctl.bindDgram(dgram.createSocket('udp4'), { address: '127.0.0.1' }).then(() => note('bindDgram'), (e) => note('bindDgram', e));
    outcome.leaked = count() - before;
    unfill();
    server.close();
    console.log(JSON.stringify(outcome));
    process.exit(0);
  })();`;

describe('descriptor exhaustion', () => {
  it.runIf(process.platform !== 'win32' && !under('Deno', DENO_FS) && !under('Bun', BUN_EMFILE))(
    'every before-bind helper fails with EMFILE from socket() and leaks no descriptor',
    () => {
      expect(underLowLimitSettled(script)).toEqual({
        openBoundSocket: 'EMFILE socket',
        listen: 'EMFILE socket',
        connect: 'EMFILE socket',
        bindDgram: 'EMFILE socket',
        leaked: 0,
      });
    },
    3 * CHILD_MS,
  );
});

// createConnection under an http.Agent: a failure after the socket exists
// reaches the request's own 'error', never the agent's handler as a throw.
// Before, an IP-literal host threw synchronously, and for a request the
// agent had queued (it opens that socket from its 'close' handler) the
// throw was uncaught and the process exited.
const agentScript = `
  const http = require('node:http');
  process.on('uncaughtException', (err) => { console.log(JSON.stringify({ uncaught: err.message })); process.exit(1); });
  const get = (agent) => new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, agent }, (res) => { res.resume(); res.on('end', () => resolve('ok')); })
      .on('error', (err) => resolve(err.code || err.message));
  });
  let port;
  (async () => {
    const server = http.createServer((req, res) => { res.setHeader('Connection', 'close'); res.end('ok'); }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = server.address().port;
    const outcome = {};
    // A queued request: the server closes each connection, so the agent opens the next socket from its 'close'
    // handler, and onApply throws for it.
    let sockets = 0;
    const queued = new http.Agent({ maxSockets: 1 });
    queued.createConnection = sockctl.createConnection({ noDelay: true }, {
      onApply: () => { if (++sockets === 2) throw new Error('onApply refused'); },
    });
    outcome.queued = await Promise.all([get(queued), get(queued)]);
    queued.destroy();
    // A full descriptor table: socket() fails with EMFILE.
    const agent = new http.Agent();
    agent.createConnection = sockctl.createConnection({ noDelay: true });
    const before = count();
    fill();
    outcome.emfile = await get(agent);
    unfill();
    outcome.leaked = count() - before;
    outcome.after = await get(agent);
    agent.destroy();
    server.close();
    console.log(JSON.stringify(outcome));
    process.exit(0);
  })();`;

describe('createConnection failures', () => {
  it.runIf(process.platform !== 'win32' && !under('Deno', DENO_FS) && !under('Bun', BUN_EMFILE))(
    "reach the request's own error path: a throwing onApply on a queued socket, EMFILE; nothing leaks",
    () => {
      expect(underLowLimit(agentScript)).toEqual({
        queued: ['ok', 'onApply refused'],
        emfile: 'EMFILE',
        leaked: 0,
        after: 'ok',
      });
    },
    CHILD_MS,
  );
});
