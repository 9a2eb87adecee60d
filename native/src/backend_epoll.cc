// epoll(7) backend. Keys travel in epoll_event.data; the notify eventfd is registered
// level-triggered under kNotifyKey and drained when it fires. Timeouts use epoll_pwait2(2)
// (Linux 5.11) for nanosecond precision, falling back to epoll_wait with the timeout rounded up to
// whole milliseconds, so a short wait is never turned into a busy zero.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <vector>

#include "backend.h"

namespace reactor {

namespace {

// epoll_pwait2 is called through syscall(2): glibc wraps it only since 2.35, and an addon built where glibc is newer
// must still load where it is older (the symbol would be unresolved); an old kernel says ENOSYS either way.
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441  // one number on every architecture (asm-generic/unistd.h), alpha aside
#endif

// The kernel's struct __kernel_timespec: 64-bit fields whatever the C library's time_t.
struct KernelTimespec {
  int64_t tv_sec;
  long long tv_nsec;  // NOLINT(runtime/int): the kernel's type
};

int EpollPwait2(int epfd, epoll_event* events, int maxevents, const KernelTimespec* timeout) {
  // No signal mask: the mask argument is ignored when null, whatever the size given (epoll_pwait2(2)).
  return static_cast<int>(syscall(SYS_epoll_pwait2, epfd, events, maxevents, timeout, nullptr, _NSIG / 8));
}

constexpr size_t kMaxBatch = 65536;
// The data of the wake fd's entry: above every 32-bit key, kNotifyKey included.
constexpr uint64_t kWakeData = uint64_t{1} << 32;

uint32_t ToEpoll(uint32_t interest, Mode mode) {
  uint32_t events = 0;
  // EPOLLRDHUP with readable interest: a peer's half-close is reported as hang-up.
  if (interest & kInterestReadable) events |= EPOLLIN | EPOLLRDHUP;
  if (interest & kInterestWritable) events |= EPOLLOUT;
  if (interest & kInterestPriority) events |= EPOLLPRI;
  switch (mode) {
    case Mode::kOneshot:
      events |= EPOLLONESHOT;
      break;
    case Mode::kLevel:
      break;
    case Mode::kEdge:
      events |= EPOLLET;
      break;
    case Mode::kEdgeOneshot:
      events |= EPOLLET | EPOLLONESHOT;
      break;
  }
  return events;
}

uint32_t FromEpoll(uint32_t events) {
  uint32_t flags = 0;
  if (events & EPOLLIN) flags |= kEventReadable;
  if (events & EPOLLOUT) flags |= kEventWritable;
  if (events & (EPOLLHUP | EPOLLRDHUP)) flags |= kEventHangup;
  if (events & EPOLLERR) flags |= kEventError;
  if (events & EPOLLPRI) flags |= kEventPriority;
  return flags;
}

class EpollBackend final : public Backend {
 public:
  EpollBackend(int epfd, int notify_fd) : epfd_(epfd), notify_fd_(notify_fd) {}
  ~EpollBackend() override { Close(); }

  const char* Name() const override { return "epoll"; }
  bool SupportsEdge() const override { return true; }
  bool SupportsLevel() const override { return true; }
  const char* ControlSyscall() const override { return "epoll_ctl"; }

  int Add(int fd, uint32_t key, uint32_t interest, Mode mode) override {
    return Control(EPOLL_CTL_ADD, fd, key, interest, mode);
  }

  int Modify(int fd, uint32_t key, uint32_t interest, Mode mode) override {
    return Control(EPOLL_CTL_MOD, fd, key, interest, mode);
  }

  int Delete(int fd) override {
    if (fd == notify_fd_) return ENOENT;
    return epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr) == 0 ? 0 : errno;
  }

  int Wait(uint32_t* out, size_t capacity, int64_t timeout_ns, size_t* count, const char** syscall) override {
    *count = 0;
    // Never ask the kernel for more than the caller's batch holds: an oneshot or edge event taken
    // from the ready list and then dropped would be lost for good.
    // The scratch array is bounded too: a huge caller buffer fills over successive waits.
    size_t slots = capacity > kMaxBatch ? kMaxBatch : capacity;
    if (events_.size() < slots) events_.resize(slots);
    const bool forever = timeout_ns < 0;
    const int64_t deadline = forever ? 0 : MonotonicNowNs() + timeout_ns;
    for (;;) {
      int64_t remaining = forever ? -1 : deadline - MonotonicNowNs();
      if (!forever && remaining < 0) remaining = 0;
      int n = WaitOnce(static_cast<int>(slots), remaining, syscall);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      bool notified = false;
      size_t k = 0;
      for (int i = 0; i < n; i++) {
        if (events_[i].data.u64 == kWakeData) {
          DrainWakeFd(wake_fd_);
          notified = true;
          continue;
        }
        uint32_t key = static_cast<uint32_t>(events_[i].data.u64);
        if (key == kNotifyKey) {
          DrainEventfd(notify_fd_);
          notified = true;
          continue;
        }
        out[2 * k] = key;
        out[2 * k + 1] = FromEpoll(events_[i].events);
        k++;
      }
      *count = k;
      if (k > 0 || notified || remaining == 0) return 0;
      // Woken with nothing to report before the deadline: wait out the rest.
      if (!forever && MonotonicNowNs() >= deadline) return 0;
    }
  }

  int WatchFd() const override { return epfd_; }

  int SetWakeFd(int fd) override {
    if (wake_fd_ >= 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, wake_fd_, nullptr);
    wake_fd_ = -1;
    if (fd < 0) return 0;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeData;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &event) != 0) return errno;
    wake_fd_ = fd;
    return 0;
  }

  void Close() override {
    if (epfd_ >= 0) close(epfd_);
    epfd_ = -1;
  }

 private:
  int Control(int op, int fd, uint32_t key, uint32_t interest, Mode mode) {
    // The notify source is ours: a caller naming its fd gets the answer an unknown fd would get. (The wake fd is
    // registered only inside a Wait, when no JS runs.)
    if (fd == notify_fd_) return op == EPOLL_CTL_ADD ? EEXIST : ENOENT;
    epoll_event event{};
    event.events = ToEpoll(interest, mode);
    event.data.u64 = key;
    return epoll_ctl(epfd_, op, fd, &event) == 0 ? 0 : errno;
  }

  int WaitOnce(int slots, int64_t remaining_ns, const char** syscall) {
    if (has_pwait2_) {
      *syscall = "epoll_pwait2";
      KernelTimespec ts{};
      if (remaining_ns >= 0) {
        ts.tv_sec = remaining_ns / 1000000000;
        ts.tv_nsec = remaining_ns % 1000000000;
      }
      int n = EpollPwait2(epfd_, events_.data(), slots, remaining_ns < 0 ? nullptr : &ts);
      if (n >= 0 || errno != ENOSYS) return n;
      has_pwait2_ = false;
    }
    *syscall = "epoll_wait";
    int ms = -1;
    if (remaining_ns >= 0) {
      int64_t rounded = (remaining_ns + 999999) / 1000000;
      ms = rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded);
    }
    return epoll_wait(epfd_, events_.data(), slots, ms);
  }

  int epfd_;
  int notify_fd_;
  int wake_fd_ = -1;
  bool has_pwait2_ = true;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Backend> OpenEpollBackend(int notify_fd, int* err, const char** syscall) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *err = errno;
    *syscall = "epoll_create1";
    return nullptr;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kNotifyKey;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, notify_fd, &event) != 0) {
    *err = errno;
    *syscall = "epoll_ctl";
    close(epfd);
    return nullptr;
  }
  return std::unique_ptr<Backend>(new EpollBackend(epfd, notify_fd));
}

}  // namespace reactor
