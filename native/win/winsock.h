// What every Windows file includes first: the Winsock headers in the order
// they need, and the SOCKET an fd_t carries.
//
// No WSAStartup anywhere. libuv starts Winsock while Node initialises its
// event loop, before any addon can be loaded, and never stops it, so every
// SOCKET these files see lives in a process where Winsock is up. A second,
// reference-counted WSAStartup would be harmless but could not go in the
// DLL's load path (Winsock may load provider DLLs, which DllMain must not
// do) and would guard against nothing that can happen in Node.
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>
// after winsock2.h, or windows.h pulls in the old winsock.h
#include <windows.h>

#include "../sockctl.h"

namespace sockctl {

inline SOCKET Sock(fd_t fd) { return static_cast<SOCKET>(fd); }

}  // namespace sockctl
