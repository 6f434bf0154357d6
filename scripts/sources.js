'use strict';
// The native sources of each OS, in one place for node-gyp (binding.gyp),
// cmake-js (CMakeLists.txt) and the cross builds (scripts/prebuild.js).
//   node scripts/sources.js linux|darwin|win32   (gyp's mac and win work too)

const perOs = {
  linux: ['native/sockopt_posix.cc', 'native/constants_posix.cc', 'native/tcp_info_linux.cc', 'native/census_linux.cc'],
  darwin: [
    'native/sockopt_posix.cc',
    'native/constants_posix.cc',
    'native/tcp_info_darwin.cc',
    'native/census_none.cc',
  ],
  win32: ['native/sockopt_win.cc', 'native/constants_win.cc', 'native/tcp_info_win.cc', 'native/census_none.cc'],
};
const aliases = { mac: 'darwin', win: 'win32' };

function sources(os) {
  const list = perOs[aliases[os] || os];
  if (!list) throw new Error(`sockctl: no native sources for OS '${os}'`);
  return ['native/addon.cc', 'native/sockopt_common.cc', ...list];
}

module.exports = sources;
if (require.main === module) console.log(sources(process.argv[2]).join(' '));
