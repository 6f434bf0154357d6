// The same package seen from an ES module of a nodenext project: the
// default import and the named ones both have the package's types.
import net from 'node:net';
import sockctl, { getTcpInfo, setLinger, type TcpInfo } from 'sockctl';

export function use(socket: net.Socket): TcpInfo {
  setLinger(socket, 0);
  sockctl.setReuseAddress(socket, true);
  return getTcpInfo(socket);
}
