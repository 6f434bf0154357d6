// sockctl: the socket controls Node hides.
export { fdOf, type Target } from './target';
export {
  constants,
  features,
  getLinger,
  getReuseAddress,
  getReusePort,
  getsockopt,
  MAX_LINGER_SECONDS,
  MAX_RAW_OPTION_BYTES,
  setLinger,
  setReuseAddress,
  setReusePort,
  setsockopt,
  type Linger,
} from './options/legacy';
export { apply, getOption, setOption, type ApplyError, type ApplyResult, type TooLateError } from './options/api';
export {
  OPTIONS as optionTable,
  OPTION_NAMES as optionNames,
  type OptionInput,
  type OptionName,
  type OptionRow,
  type OptionValues,
  type OsOption,
  type Phase,
  type Policy,
} from './options/table';
export {
  createConnection,
  undiciConnector,
  type ConnectCallback,
  type ConnectionOptions,
  type CreateConnection,
  type RouteOptions,
  type UndiciCallback,
  type UndiciConnectOptions,
  type UndiciConnectorOptions,
} from './routes/create-connection';
export { installPolicy, type InstalledPolicy, type PolicyOptions } from './routes/install-policy';
export { getTcpInfo, type CongestionState, type TcpInfo, type TcpOptions } from './tcp/info';
export { TCP_STATES, tcpStateName, type StateNumbering, type TcpState } from './tcp/state';
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
export type { SystemError } from './errors';
export { abort, closeGracefully, type CloseOutcome } from './close';
export { listSockets, type ListOptions, type SocketEntry } from './census/census';
export { startTracking as trackSockets } from './census/registry';
export { watchCloseWait, type CloseWaitWatchdog, type StuckEvent, type WatchOptions } from './census/watchdog';
