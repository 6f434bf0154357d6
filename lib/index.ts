// sockctl: the socket controls Node hides. The public surface, by area;
// everything else in lib/ is internal.

// Targets: what sockctl accepts as a socket, and the descriptor behind it.
export { fdOf, type Target } from './target';
export type { SystemError, ApplyError, TcpOnlyError, TooLateError } from './errors';

// Named options, from one table.
export { apply, getOption, setOption, type ApplyResult } from './options/api';
export { features, type Features } from './options/features';
export { limits, MAX_LINGER_SECONDS, type OptionLimits } from './options/limits';
export { OPTIONS as optionTable, OPTION_NAMES as optionNames, type OptionRow, type Phase } from './options/table';
export type { Linger, OptionInput, OptionName, OptionValues, Policy } from './options/types';
// Raw options and the platform's constants.
export { constants, getsockopt, MAX_RAW_OPTION_BYTES, setsockopt } from './options/raw';
// The first named options, as sugar.
export { getLinger, getReuseAddress, getReusePort, setLinger, setReuseAddress, setReusePort } from './options/legacy';

// Policies for the sockets Node makes.
export {
  type ConnectCallback,
  type ConnectionOptions,
  type CreateConnection,
  type RouteOptions,
} from './routes/connection-options';
export { createConnection } from './routes/create-connection';
export {
  undiciConnector,
  type UndiciCallback,
  type UndiciConnectOptions,
  type UndiciConnectorOptions,
} from './routes/undici';
export { installPolicy, type InstalledPolicy, type PolicyOptions } from './routes/install-policy';

// Bind before listen or connect.
export {
  bindDgram,
  connect,
  listen,
  openBoundSocket,
  type BindDgramOptions,
  type BindOptions,
  type ConnectOptions,
  type ListenOptions,
} from './bind';

// TCP info and states.
export { getTcpInfo, type CongestionState, type TcpInfo, type TcpOptions } from './tcp/info';
export { TCP_STATES, tcpStateName, type StateNumbering, type TcpState } from './tcp/state';

// Census, watchdog and closing.
export { listSockets, type ListOptions, type SocketEntry } from './census/census';
export { startTracking as trackSockets } from './census/registry';
export { watchCloseWait, type CloseWaitWatchdog, type StuckEvent, type WatchOptions } from './census/watchdog';
export { abort, closeGracefully, type CloseOutcome } from './close';
