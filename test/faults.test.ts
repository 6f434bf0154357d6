// Faults: the before-bind helpers under descriptor exhaustion give typed
// errors and leak nothing. Run in a child whose RLIMIT_NOFILE is lowered.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const script = `
  const fs = require('node:fs');
  const net = require('node:net');
  const dgram = require('node:dgram');
  const sockctl = require(${JSON.stringify(root)});
  // Sockets, counted with fstat(), which needs no descriptor of its own
  // (readdir would). Sockets only: qemu-user opens and closes files of its
  // own meanwhile, and the spare descriptors below are files.
  const count = () => { let n = 0; for (let fd = 0; fd < 1024; fd++) { try { if (fs.fstatSync(fd).isSocket()) n++; } catch {} } return n; };
  (async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = server.address().port;
    const spare = [];
    // Fill the table: every further descriptor fails with EMFILE. Topped up
    // before each call: qemu-user opens descriptors of its own for a moment,
    // and one it frees would otherwise be free for the call.
    const fill = () => {
      for (;;) {
        try { spare.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code === 'EMFILE') return; throw e; }
      }
    };
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
    spare.forEach((fd) => fs.closeSync(fd));
    server.close();
    console.log(JSON.stringify(outcome));
  })();`;

describe('descriptor exhaustion', () => {
  it.runIf(process.platform !== 'win32')(
    'every before-bind helper fails with EMFILE from socket() and leaks no descriptor',
    () => {
      // ulimit -n sets the hard limit too, so Node cannot raise it at start-up.
      const out = execFileSync('sh', ['-c', 'ulimit -n 96 && exec "$0" -e "$1"', process.execPath, script], {
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual({
        openBoundSocket: 'EMFILE socket',
        listen: 'EMFILE socket',
        connect: 'EMFILE socket',
        bindDgram: 'EMFILE socket',
        leaked: 0,
      });
    },
  );
});
