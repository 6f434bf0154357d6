// sockctl: the socket controls Node hides. The public surface, by area;
// everything else in lib/ is internal.
//
// Values are exported as `export import x = module.x`: that compiles to a
// plain data property (`exports.x = …`), where `export { x } from` compiles
// to a getter on an exports object V8 keeps in slow mode, which every
// `sockctl.x(…)` call would pay for.
import * as registry from './census/registry';
import * as census from './census/census';
import * as report from './census/report';
import * as watchdog from './census/watchdog';
import * as close from './close';
import * as bind from './bind';
import * as api from './options/api';
import * as features_ from './options/features';
import * as legacy from './options/legacy';
import * as limits_ from './options/limits';
import * as raw from './options/raw';
import * as table from './options/table';
import * as createConnection_ from './routes/create-connection';
import * as createSocket_ from './routes/create-socket';
import * as installPolicy_ from './routes/install-policy';
import * as undici from './routes/undici';
import * as target from './target';
import * as info from './tcp/info';
import * as state from './tcp/state';

// Targets: what sockctl accepts as a socket, and the descriptor behind it.
export import fdOf = target.fdOf;
export type { Target } from './target';
export type { SystemError, ApplyError, TcpOnlyError, TooLateError } from './errors';

// Named options, from one table.
export import apply = api.apply;
export import getOption = api.getOption;
export import setOption = api.setOption;
export type { ApplyResult } from './options/api';
export import features = features_.features;
export import runtimeLimits = features_.runtimeLimits;
export type { Features } from './options/features';
export import limits = limits_.limits;
export import MAX_LINGER_SECONDS = limits_.MAX_LINGER_SECONDS;
export type { OptionLimits } from './options/limits';
export import optionTable = table.OPTIONS;
export import optionNames = table.OPTION_NAMES;
export type { OptionRow, Phase } from './options/table';
export type { Linger, OptionInput, OptionName, OptionValues, Policy } from './options/types';
// Raw options and the platform's constants.
export import constants = raw.constants;
export import getsockopt = raw.getsockopt;
export import MAX_RAW_OPTION_BYTES = raw.MAX_RAW_OPTION_BYTES;
export import setsockopt = raw.setsockopt;
// The first named options, as sugar.
export import getLinger = legacy.getLinger;
export import getReuseAddress = legacy.getReuseAddress;
export import getReusePort = legacy.getReusePort;
export import setLinger = legacy.setLinger;
export import setReuseAddress = legacy.setReuseAddress;
export import setReusePort = legacy.setReusePort;

// Policies for the sockets Node makes.
export type { ConnectCallback, ConnectionOptions, CreateConnection, RouteOptions } from './routes/connection-options';
export import createConnection = createConnection_.createConnection;
export import createSocket = createSocket_.createSocket;
export type { SocketRouteOptions } from './routes/create-socket';
export import undiciConnector = undici.undiciConnector;
export type { UndiciCallback, UndiciConnectOptions, UndiciConnectorOptions } from './routes/undici';
export import installPolicy = installPolicy_.installPolicy;
export type { InstalledPolicy, PolicyOptions } from './routes/install-policy';
export type { Override, Precedence } from './routes/hold';

// Bind before listen or connect.
export import bindDgram = bind.bindDgram;
export import connect = bind.connect;
export import listen = bind.listen;
export import openBoundSocket = bind.openBoundSocket;
export type { BindDgramOptions, BindOptions, ConnectOptions, ListenOptions } from './bind';

// TCP info and states.
export import getTcpInfo = info.getTcpInfo;
export type { CongestionState, TcpInfo, TcpOptions } from './tcp/info';
export import TCP_STATES = state.TCP_STATES;
export import tcpStateName = state.tcpStateName;
export type { StateNumbering, TcpState } from './tcp/state';

// Census, watchdog and closing.
export import listSockets = census.listSockets;
export type { ListOptions, SocketEntry } from './census/census';
export import trackSockets = registry.startTracking;
export type { TrackOptions } from './census/registry';
export import writeSocketReport = report.writeSocketReport;
export type { ReportGroup, ReportOptions, ReportedSocket, SocketReport } from './census/report';
export import watchCloseWait = watchdog.watchCloseWait;
export type { CloseWaitWatchdog, StuckEvent, WatchOptions } from './census/watchdog';
export import abort = close.abort;
export import closeGracefully = close.closeGracefully;
export type { CloseOutcome } from './close';
