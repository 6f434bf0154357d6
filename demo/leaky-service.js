'use strict';
// A service with a leak, and no sockctl in it: each request to / asks a
// backend for a greeting over a raw TCP connection it never ends — the
// backend closes its side, this side never does, and the socket stays in
// CLOSE_WAIT for good. It serves its prom-client metrics at /metrics, as
// services do. npm run demo:ops starts it with sockctl's register hook.
const http = require('node:http');
const net = require('node:net');
const client = require('prom-client');

const backendPort = Number(process.argv[2]);

function greeting(callback) {
  const upstream = net.connect({ port: backendPort, host: '127.0.0.1', allowHalfOpen: true }); // the leak
  let text = '';
  upstream.on('data', (chunk) => (text += chunk));
  upstream.on('end', () => callback(text)); // ...and no upstream.end()
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    res.setHeader('content-type', client.register.contentType);
    res.end(await client.register.metrics());
    return;
  }
  greeting((text) => res.end(text));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
