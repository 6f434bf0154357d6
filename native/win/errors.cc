// Winsock and Windows errors as libuv's numbers, which Node names.
#include "errors.h"

namespace sockctl {

int FromWindowsError(int error) {
  // What the calls in the Windows files can fail with; libuv's own table
  // (uv_translate_sys_error) has no entry for WSAENOPROTOOPT, WSAEOPNOTSUPP
  // or WSAEBADF and would call them UNKNOWN.
  static const struct {
    int windows;
    int uv;
  } kTable[] = {
      {WSAEBADF, kUvEBADF},
      {ERROR_INVALID_HANDLE, kUvEBADF},
      {WSAEACCES, kUvEACCES},
      {WSAEFAULT, kUvEFAULT},
      {WSAEINVAL, kUvEINVAL},
      {ERROR_INVALID_PARAMETER, kUvEINVAL},
      {WSAEMFILE, kUvEMFILE},
      {WSAEWOULDBLOCK, kUvEAGAIN},
      {WSAEALREADY, kUvEALREADY},
      {WSAENOTSOCK, kUvENOTSOCK},
      {WSAEMSGSIZE, kUvEMSGSIZE},
      {WSAEPROTOTYPE, kUvEPROTOTYPE},
      {WSAENOPROTOOPT, kUvENOPROTOOPT},
      {WSAEPROTONOSUPPORT, kUvEPROTONOSUPPORT},
      {WSAESOCKTNOSUPPORT, kUvESOCKTNOSUPPORT},
      {WSAEOPNOTSUPP, kUvENOTSUP},
      {ERROR_NOT_SUPPORTED, kUvENOTSUP},
      {WSAEAFNOSUPPORT, kUvEAFNOSUPPORT},
      {WSAEADDRINUSE, kUvEADDRINUSE},
      {WSAEADDRNOTAVAIL, kUvEADDRNOTAVAIL},
      {WSAENETDOWN, kUvENETDOWN},
      {WSAENETUNREACH, kUvENETUNREACH},
      {WSAEHOSTUNREACH, kUvEHOSTUNREACH},
      {WSAECONNREFUSED, kUvECONNREFUSED},
      {WSAETIMEDOUT, kUvETIMEDOUT},
      {WSAENOBUFS, kUvENOBUFS},
      {WSAEISCONN, kUvEISCONN},
      {WSAENOTCONN, kUvENOTCONN},
      {ERROR_NOT_ENOUGH_MEMORY, kUvENOMEM},
      {ERROR_OUTOFMEMORY, kUvENOMEM},
  };
  for (const auto& entry : kTable) {
    if (entry.windows == error) return entry.uv;
  }
  return kUvUNKNOWN;
}

namespace {

bool IsOpenHandle(SOCKET s) {
  DWORD flags = 0;
  return GetHandleInformation(reinterpret_cast<HANDLE>(s), &flags) != 0;
}

}  // namespace

int SocketError(SOCKET s) {
  // Read the error before anything else can overwrite it.
  int error = WSAGetLastError();
  if (error == WSAENOTSOCK && !IsOpenHandle(s)) return kUvEBADF;
  return FromWindowsError(error);
}

}  // namespace sockctl
