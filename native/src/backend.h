// The backend contract: every readiness backend (one per file) implements these methods with the
// same semantics, modeled on the `polling` crate's Poller. Each method returns 0 or an errno value;
// no method throws, allocates JS values, or knows about Node. Policy (key tables, readiness ticks,
// coalescing) lives in TypeScript; what lives here is the syscall and its deadline.
#ifndef REACTOR_BACKEND_H_
#define REACTOR_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace reactor {

enum : uint32_t {
  kInterestReadable = 1,
  kInterestWritable = 2,
  kInterestPriority = 4,
  kInterestAll = 7,
};

enum class Mode : uint32_t { kOneshot = 0, kLevel = 1, kEdge = 2, kEdgeOneshot = 3 };
constexpr uint32_t kModeMax = 3;

enum : uint32_t {
  kEventReadable = 1,
  kEventWritable = 2,
  kEventHangup = 4,  // hang-up or read side closed by the peer
  kEventError = 8,
  kEventPriority = 16,
};

// The key reserved for the poller's own notify source; callers use 0..kMaxKey.
constexpr uint32_t kNotifyKey = 0xFFFFFFFFu;
constexpr uint32_t kMaxKey = kNotifyKey - 1;

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const char* Name() const = 0;
  virtual bool SupportsEdge() const = 0;
  virtual bool SupportsLevel() const = 0;
  // The call that Add, Modify and Delete errors are reported against.
  virtual const char* ControlSyscall() const = 0;

  virtual int Add(int fd, uint32_t key, uint32_t interest, Mode mode) = 0;
  virtual int Modify(int fd, uint32_t key, uint32_t interest, Mode mode) = 0;
  virtual int Delete(int fd) = 0;

  // Waits until at least one registered source is ready, the notifier fires, or `timeout_ns`
  // (< 0: forever) has passed on CLOCK_MONOTONIC; never returns earlier, and retries EINTR
  // against the same deadline. Writes up to `capacity` (key, flags) pairs into `out` and stores
  // their number in `*count`. The notifier is drained and never reported. `*syscall` names the
  // failing call when an errno is returned.
  virtual int Wait(uint32_t* out, size_t capacity, int64_t timeout_ns, size_t* count, const char** syscall) = 0;

  // The fd that becomes readable when `Wait(0)` may have something to report; Node's loop
  // watches it with a uv_poll_t.
  virtual int WatchFd() const = 0;
  // Watching starts and stops with the JS watch; `Harvested` runs after each watch callback.
  virtual int StartWatch() { return 0; }
  virtual void StopWatch() {}
  virtual void Harvested() {}

  // For nesting this poller inside another (or any readiness API): stores in `*fd` an fd that is
  // readable while a `Wait(0)` would report an event or consume a pending notify. Returns 0 or an
  // errno. Usually `WatchFd()`; a backend whose watch fd needs machinery (the poll backend's
  // thread) starts it here and keeps it running until Close.
  virtual int PollableFd(int* fd) {
    *fd = WatchFd();
    return 0;
  }

  // A way out of a blocked Wait that is not a registered source (poller_wrap.cc: a Worker's termination). While
  // `fd` is set, Wait also returns, with nothing to report, once `fd` is readable, having consumed its readiness with
  // DrainWakeFd; `fd` stays the caller's. -1 unsets it. 0 or an errno (ELOOP: `fd` leads back to this poller).
  virtual int SetWakeFd(int fd) = 0;

  // Releases every fd the backend owns. Idempotent.
  virtual void Close() = 0;
};

// Each factory returns nullptr and sets `*err` / `*syscall` on failure. `notify_fd` is an eventfd
// owned by the caller, registered under kNotifyKey.
std::unique_ptr<Backend> OpenEpollBackend(int notify_fd, int* err, const char** syscall);
std::unique_ptr<Backend> OpenPollBackend(int notify_fd, int* err, const char** syscall);

// Shared by backends: monotonic clock and the deadline arithmetic of Wait.
int64_t MonotonicNowNs();
// Reads an eventfd until it is empty; returns true when it held a count.
bool DrainEventfd(int fd);
// Consumes the readiness of a wake fd (an epoll instance watching another one edge-triggered, see poller_wrap.cc).
void DrainWakeFd(int fd);

}  // namespace reactor

#endif  // REACTOR_BACKEND_H_
