#pragma once
// Constants of the wasi_snapshot_preview1 ABI (witx), internal to the module.

#include <cstdint>

namespace wavs::wasi::abi {

// errno (plain constants: they meet host errno values in conditional expressions)
inline constexpr std::uint16_t kSuccess = 0; inline constexpr std::uint16_t k2Big = 1; inline constexpr std::uint16_t kAcces = 2; inline constexpr std::uint16_t kAddrInUse = 3;
inline constexpr std::uint16_t kAddrNotAvail = 4; inline constexpr std::uint16_t kAfNoSupport = 5; inline constexpr std::uint16_t kAgain = 6; inline constexpr std::uint16_t kAlready = 7;
inline constexpr std::uint16_t kBadf = 8; inline constexpr std::uint16_t kBadMsg = 9; inline constexpr std::uint16_t kBusy = 10; inline constexpr std::uint16_t kCanceled = 11;
inline constexpr std::uint16_t kChild = 12; inline constexpr std::uint16_t kConnAborted = 13; inline constexpr std::uint16_t kConnRefused = 14; inline constexpr std::uint16_t kConnReset = 15;
inline constexpr std::uint16_t kDeadlk = 16; inline constexpr std::uint16_t kDestAddrReq = 17; inline constexpr std::uint16_t kDom = 18; inline constexpr std::uint16_t kDquot = 19;
inline constexpr std::uint16_t kExist = 20; inline constexpr std::uint16_t kFault = 21; inline constexpr std::uint16_t kFbig = 22; inline constexpr std::uint16_t kHostUnreach = 23;
inline constexpr std::uint16_t kIdrm = 24; inline constexpr std::uint16_t kIlseq = 25; inline constexpr std::uint16_t kInProgress = 26; inline constexpr std::uint16_t kIntr = 27;
inline constexpr std::uint16_t kInval = 28; inline constexpr std::uint16_t kIo = 29; inline constexpr std::uint16_t kIsConn = 30; inline constexpr std::uint16_t kIsDir = 31;
inline constexpr std::uint16_t kLoop = 32; inline constexpr std::uint16_t kMfile = 33; inline constexpr std::uint16_t kMlink = 34; inline constexpr std::uint16_t kMsgSize = 35;
inline constexpr std::uint16_t kMultihop = 36; inline constexpr std::uint16_t kNameTooLong = 37; inline constexpr std::uint16_t kNetDown = 38; inline constexpr std::uint16_t kNetReset = 39;
inline constexpr std::uint16_t kNetUnreach = 40; inline constexpr std::uint16_t kNfile = 41; inline constexpr std::uint16_t kNoBufs = 42; inline constexpr std::uint16_t kNoDev = 43;
inline constexpr std::uint16_t kNoEnt = 44; inline constexpr std::uint16_t kNoExec = 45; inline constexpr std::uint16_t kNoLck = 46; inline constexpr std::uint16_t kNoLink = 47;
inline constexpr std::uint16_t kNoMem = 48; inline constexpr std::uint16_t kNoMsg = 49; inline constexpr std::uint16_t kNoProtoOpt = 50; inline constexpr std::uint16_t kNoSpc = 51;
inline constexpr std::uint16_t kNoSys = 52; inline constexpr std::uint16_t kNotConn = 53; inline constexpr std::uint16_t kNotDir = 54; inline constexpr std::uint16_t kNotEmpty = 55;
inline constexpr std::uint16_t kNotRecoverable = 56; inline constexpr std::uint16_t kNotSock = 57; inline constexpr std::uint16_t kNotSup = 58; inline constexpr std::uint16_t kNotTy = 59;
inline constexpr std::uint16_t kNxio = 60; inline constexpr std::uint16_t kOverflow = 61; inline constexpr std::uint16_t kOwnerDead = 62; inline constexpr std::uint16_t kPerm = 63;
inline constexpr std::uint16_t kPipe = 64; inline constexpr std::uint16_t kRange = 65; inline constexpr std::uint16_t kRofs = 66; inline constexpr std::uint16_t kSpipe = 67;
inline constexpr std::uint16_t kSrch = 68; inline constexpr std::uint16_t kStale = 69; inline constexpr std::uint16_t kTimedOut = 70; inline constexpr std::uint16_t kTxtBsy = 71;
inline constexpr std::uint16_t kXdev = 72; inline constexpr std::uint16_t kNotCapable = 73;

// filetype
enum : std::uint8_t {
  kFileUnknown = 0, kFileBlockDevice = 1, kFileCharDevice = 2, kFileDirectory = 3, kFileRegular = 4,
  kFileSocketDgram = 5, kFileSocketStream = 6, kFileSymlink = 7,
};

// rights
inline constexpr std::uint64_t kRightFdDatasync = 1ull << 0;
inline constexpr std::uint64_t kRightFdRead = 1ull << 1;
inline constexpr std::uint64_t kRightFdSeek = 1ull << 2;
inline constexpr std::uint64_t kRightFdTell = 1ull << 5;
inline constexpr std::uint64_t kRightFdWrite = 1ull << 6;
inline constexpr std::uint64_t kRightFdAllocate = 1ull << 8;
inline constexpr std::uint64_t kRightFdReaddir = 1ull << 14;
inline constexpr std::uint64_t kRightFdFilestatSetSize = 1ull << 22;
inline constexpr std::uint64_t kAllRights = (1ull << 30) - 1;

// oflags, fdflags, lookupflags, fstflags, whence, clocks, subscriptions
enum : std::uint16_t { kOCreat = 1, kODirectory = 2, kOExcl = 4, kOTrunc = 8 };
enum : std::uint16_t { kFdAppend = 1, kFdDsync = 2, kFdNonblock = 4, kFdRsync = 8, kFdSync = 16 };
enum : std::uint32_t { kLookupSymlinkFollow = 1 };
enum : std::uint16_t { kFstAtim = 1, kFstAtimNow = 2, kFstMtim = 4, kFstMtimNow = 8 };
enum : std::uint8_t { kWhenceSet = 0, kWhenceCur = 1, kWhenceEnd = 2 };
enum : std::uint32_t { kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2, kClockThreadCputime = 3 };
enum : std::uint8_t { kEventClock = 0, kEventFdRead = 1, kEventFdWrite = 2 };
enum : std::uint16_t { kSubClockAbstime = 1 };

// Struct sizes.
inline constexpr std::uint32_t kIovecSize = 8;
inline constexpr std::uint32_t kFdstatSize = 24;
inline constexpr std::uint32_t kFilestatSize = 64;
inline constexpr std::uint32_t kPrestatSize = 8;
inline constexpr std::uint32_t kDirentSize = 24;
inline constexpr std::uint32_t kSubscriptionSize = 48;
inline constexpr std::uint32_t kEventSize = 32;

}  // namespace wavs::wasi::abi
