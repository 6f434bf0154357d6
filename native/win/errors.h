// Winsock and Windows errors turned into the numbers Node uses for them on
// Windows (win/errors.cc).
#pragma once

#include "winsock.h"

namespace sockctl {

// libuv's error numbers on Windows (UV__E* in uv/errno.h for _WIN32, checked
// against util.getSystemErrorMap() of node.exe). They differ from the POSIX
// ones: EBADF is -4083 here, not -9.
enum UvError : int {
  kUvEACCES = -4092,
  kUvEADDRINUSE = -4091,
  kUvEADDRNOTAVAIL = -4090,
  kUvEAFNOSUPPORT = -4089,
  kUvEAGAIN = -4088,
  kUvEALREADY = -4084,
  kUvEBADF = -4083,
  kUvECONNREFUSED = -4078,
  kUvEFAULT = -4074,
  kUvEHOSTUNREACH = -4073,
  kUvEINVAL = -4071,
  kUvEISCONN = -4069,
  kUvEMFILE = -4066,
  kUvEMSGSIZE = -4065,
  kUvENETDOWN = -4063,
  kUvENETUNREACH = -4062,
  kUvENOBUFS = -4060,
  kUvENOMEM = -4057,
  kUvENOTCONN = -4053,
  kUvENOTSOCK = -4050,
  kUvENOTSUP = -4049,
  kUvEPROTONOSUPPORT = -4045,
  kUvEPROTOTYPE = -4044,
  kUvETIMEDOUT = -4039,
  kUvENOPROTOOPT = -4035,
  kUvESOCKTNOSUPPORT = -4025,
  kUvUNKNOWN = -4094,
};

// A Windows or Winsock error code as Node's (negative) number for it.
int FromWindowsError(int error);

// The error of the Winsock call that just failed on `s`. Winsock says
// WSAENOTSOCK both for a handle that is not a socket and for one that is not
// open at all; the second is EBADF, as for a closed descriptor on POSIX.
int SocketError(SOCKET s);

}  // namespace sockctl
