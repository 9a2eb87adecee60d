// The fds the library owns, so that an environment that ends (a Worker terminated, or ending with resources its
// Effect scopes never released) leaves none open. Ownership rules:
//
//   - An fd the addon creates (pipe, eventfd, socket, socketpair, accept4, openpty, inotify_init1, pidfd_open,
//     timerfd_create, signalfd) is owned by the environment that created it from the moment it exists.
//   - An fd the caller hands over (`own`: TcpStream.fromFd, UnixStream.fromFd, AsyncFd.adopt) is owned from then on
//     by the environment that adopted it, whoever owned it before.
//   - An fd handed to the caller (`disown`: the raw fds of TcpListener.pollAccept) is no longer owned.
//   - `close` through the addon forgets the fd before close(2) frees its number, so the table never names a number
//     that may already belong to another file. An owned fd must only be closed through the addon: one closed
//     behind its back (fs.closeSync) would be closed again, under whatever then holds the number, when its
//     environment ends — the same mistake as closing an fd a Source still owns.
//   - When an environment ends, its cleanup hook closes every fd it still owns.
//
// Poller fds (epoll, eventfds) are the poller's, closed with it by the same hook; File fds are their handle's.
//
// The table is process-wide because fd numbers are: an fd created by one environment may be closed by another
// (its number posted to a Worker, adopted there). Each entry names its owner by the environment's id, never reused.
#ifndef REACTOR_OWNED_FDS_H_
#define REACTOR_OWNED_FDS_H_

#include <napi.h>

#include <cstdint>

namespace reactor {

// Enters `fd` as owned by environment `owner`, replacing any previous owner. False when out of memory.
bool OwnFd(uint64_t owner, int fd) noexcept;
// `fd` is no longer the library's.
void DisownFd(int fd) noexcept;
// Forgets `fd`, then closes it; close(2)'s result.
int CloseOwnedFd(int fd) noexcept;
// Closes every fd that environment `owner` still owns.
void CloseEnvironmentFds(uint64_t owner) noexcept;

// The JS result of a call that has just created `fd` (or the pair `first`, `second`): its number (the array of
// both), owned by the calling environment from here. When the result cannot be built (an N-API call that throws: an
// allocation, a setter some script put on Array.prototype, an environment that is terminating) or the table cannot
// grow (ENOMEM), the fds are closed before the error propagates, never leaked.
Napi::Value OwnedFdNumber(Napi::Env env, int fd);
Napi::Value OwnedFdPair(Napi::Env env, int first, int second);

}  // namespace reactor

#endif  // REACTOR_OWNED_FDS_H_
