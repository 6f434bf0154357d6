// A user's project, type-checked against the built declarations (see
// test/consumer-types.test.ts). Written as a user without esModuleInterop
// writes it; each line leans on a type the package exports.
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import * as sockctl from 'sockctl';
import {
  apply,
  createConnection,
  getLinger,
  getOption,
  getTcpInfo,
  installPolicy,
  listSockets,
  setLinger,
  undiciConnector,
  watchCloseWait,
  type ApplyResult,
  type CloseOutcome,
  type Linger,
  type OptionName,
  type Policy,
  type SocketEntry,
  type SystemError,
  type Target,
  type TcpInfo,
  type TcpState,
} from 'sockctl';

export async function use(socket: net.Socket, server: net.Server, udp: dgram.Socket): Promise<void> {
  const targets: Target[] = [socket, server, udp, 3];
  setLinger(targets[0], { enabled: true, seconds: 0 });
  const linger: Linger = getLinger(socket);
  const idle: number | undefined = getOption(socket, 'keepAliveIdleSecs');
  const policy: Policy = { noDelay: true, reuseAddress: true, linger: linger.enabled ? linger : false };
  const result: ApplyResult = apply(server, policy);
  const names: readonly OptionName[] = sockctl.optionNames;
  const info: TcpInfo = getTcpInfo(socket);
  const state: TcpState = info.state;
  const rtt: number | undefined = info.rttUs;
  const agent = new http.Agent();
  agent.createConnection = createConnection(policy, { onApply: (r: ApplyResult, s: net.Socket) => r && s });
  const connector = undiciConnector(policy);
  connector({ hostname: '127.0.0.1', port: '80', protocol: 'http:' }, (err, s) => err ?? s);
  const installed = installPolicy(policy, { onError: (err: Error) => err });
  installed.uninstall();
  const entries: SocketEntry[] = listSockets({ state: ['CLOSE_WAIT'] });
  watchCloseWait({ after: 1000, action: 'abort' })
    .on('stuck', (event) => event.entry.state)
    .stop();
  const bound: net.Socket = await sockctl.connect({ port: 80, host: '127.0.0.1', localPort: 0 });
  const listener: net.Server = await sockctl.listen(net.createServer(), { port: 0, reusePort: true });
  const datagram: dgram.Socket = await sockctl.bindDgram(udp, { port: 0, address: '127.0.0.1' });
  const outcome: CloseOutcome = await sockctl.closeGracefully(bound, { timeout: 100 });
  const failure: SystemError | undefined = undefined;
  void [idle, result, names, state, rtt, entries, listener, datagram, outcome, failure];
}
