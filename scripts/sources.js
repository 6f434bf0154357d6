'use strict';
// The native sources of each OS, in one place for node-gyp (binding.gyp),
// cmake-js (CMakeLists.txt) and the cross builds (scripts/prebuild.js).
//   node scripts/sources.js linux|darwin|win32   (gyp's mac and win work too)
// native/ holds what every OS shares; each folder below it, one OS family's
// side of the portable headers.

const shared = ['native/addon.cc', 'native/layout.cc', 'native/ops.cc', 'native/sockopt.cc'];
const posix = ['native/posix/sockopt.cc', 'native/posix/socket.cc', 'native/posix/constants.cc'];
const perOs = {
  linux: [...posix, 'native/linux/tcp_info.cc', 'native/linux/census.cc'],
  darwin: [...posix, 'native/darwin/tcp_info.cc', 'native/none/census.cc'],
  win32: [
    'native/win/errors.cc',
    'native/win/sockopt.cc',
    'native/win/socket.cc',
    'native/win/find_socket.cc',
    'native/win/tcp_info.cc',
    'native/win/constants.cc',
    'native/none/census.cc',
  ],
};
const aliases = { mac: 'darwin', win: 'win32' };

function sources(os) {
  const list = perOs[aliases[os] || os];
  if (!list) throw new Error(`sockctl: no native sources for OS '${os}'`);
  return [...shared, ...list];
}

module.exports = sources;
if (require.main === module) console.log(sources(process.argv[2]).join(' '));
