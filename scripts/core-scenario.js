'use strict';
// A core scenario for valgrind (scripts/sanitize.sh): every native entry
// point, on real loopback sockets, including the error paths.
const dgram = require('node:dgram');
const net = require('node:net');
const sockctl = require('..');

async function main() {
  for (let round = 0; round < 20; round++) {
    const server = net.createServer({ allowHalfOpen: true }, (s) => s.on('error', () => {}).resume());
    await sockctl.listen(server, { host: '127.0.0.1', reusePort: true });
    const c = await sockctl.connect({ host: '127.0.0.1', port: server.address().port, reuseAddress: true });
    sockctl.setLinger(c, { enabled: true, seconds: 3 });
    sockctl.getLinger(c);
    sockctl.setReuseAddress(c, true);
    sockctl.getReusePort(server);
    sockctl.getTcpInfo(c);
    sockctl.getTcpInfo(server);
    sockctl.getsockopt(c, sockctl.constants.IPPROTO_TCP, sockctl.constants.TCP_INFO, 512);
    sockctl.setsockopt(c, sockctl.constants.SOL_SOCKET, sockctl.constants.SO_LINGER, new Int32Array([1, 0]));
    sockctl.listSockets({ tcpInfo: true });
    for (const bad of [
      () => sockctl.getLinger(1_000_000),
      () => sockctl.getTcpInfo(0),
      () => sockctl.setLinger(c, -1),
    ]) {
      try {
        bad();
      } catch {}
    }
    const u = dgram.createSocket('udp4');
    await sockctl.bindDgram(u, { address: '127.0.0.1' });
    sockctl.getReuseAddress(u); // a UDP target through fdOf (linger is TCP-only)
    u.close();
    sockctl.abort(c);
    await new Promise((r) => server.close(r));
  }
  console.log('core scenario done');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
