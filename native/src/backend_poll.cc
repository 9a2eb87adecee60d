// poll(2) backend, the portable fallback (selectable on Linux so the suite runs on it too).
//
// Registrations live in a table; each Wait builds the pollfd array from the armed entries and
// calls ppoll(2), whose timespec timeout is honoured to the nanosecond. Each entry polls a
// duplicate of the fd it was given (F_DUPFD_CLOEXEC), not the caller's number: poll(2) knows only
// numbers, and a number closed without a delete may name another file at once, whose events would
// then come under this entry's key. Like an epoll registration, the entry follows the open file;
// unlike one, it keeps the file open until the delete (or the poller's close). Oneshot entries disarm
// when reported. poll(2) has no edge trigger, so the edge modes are refused (EOPNOTSUPP). A
// scan cursor rotates through the table so a batch smaller than the ready set drains over
// successive waits instead of starving the entries at the end.
//
// Node integration needs one fd that is readable when Wait(0) has something to report. poll(2)
// has none, so watching starts a thread that polls the armed entries and, when one is ready,
// signals an eventfd that libuv watches. The thread then waits for `Harvested` (the JS callback
// has run its Wait) before it polls again, so a ready entry produces one signal per harvest, not
// a spin. A control eventfd interrupts the thread whenever the table changes.
//
// The same eventfd is the poller's pollable fd when it is nested in another poller
// (`PollableFd`): then the thread runs from the first request until Close, whether or not Node
// watches, and every Wait counts as a harvest, since whoever polls the eventfd answers a signal
// by calling Wait. A signal cleared by a Wait that did not see its entry is not lost: the
// thread polls again, and poll(2) is level-triggered.
//
//   thread: snapshot -> ppoll -> (ready) signal, wait for Harvested or a Wait -> snapshot ...
//                             -> (control) snapshot ...
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "backend.h"

namespace reactor {

namespace {

// Wait's pollfd array starts with the notify eventfd and the wake fd (-1 when unset: poll(2) skips it).
constexpr size_t kFixed = 2;

struct Entry {
  int fd;      // the caller's number: the table's key
  int polled;  // our duplicate of it, what poll(2) is given
  uint32_t key;
  uint32_t interest;
  Mode mode;
  bool armed;
};

short ToPoll(uint32_t interest) {
  short events = 0;
  if (interest & kInterestReadable) events |= POLLIN | POLLRDHUP;
  if (interest & kInterestWritable) events |= POLLOUT;
  if (interest & kInterestPriority) events |= POLLPRI;
  return events;
}

uint32_t FromPoll(short revents) {
  uint32_t flags = 0;
  if (revents & POLLIN) flags |= kEventReadable;
  if (revents & POLLOUT) flags |= kEventWritable;
  if (revents & (POLLHUP | POLLRDHUP)) flags |= kEventHangup;
  if (revents & POLLERR) flags |= kEventError;
  if (revents & POLLPRI) flags |= kEventPriority;
  return flags;
}

void Signal(int eventfd_fd) {
  uint64_t one = 1;
  while (write(eventfd_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

class PollBackend final : public Backend {
 public:
  PollBackend(int notify_fd, int ready_fd, int control_fd)
      : notify_fd_(notify_fd), ready_fd_(ready_fd), control_fd_(control_fd) {}
  ~PollBackend() override { Close(); }

  const char* Name() const override { return "poll"; }
  bool SupportsEdge() const override { return false; }
  bool SupportsLevel() const override { return true; }
  // poll(2) keeps no kernel registration: the table is ours, and its errors are reported as poll's.
  const char* ControlSyscall() const override { return "poll"; }

  int Add(int fd, uint32_t key, uint32_t interest, Mode mode) override {
    if (mode == Mode::kEdge || mode == Mode::kEdgeOneshot) return EOPNOTSUPP;
    if (fd == notify_fd_ || fd == ready_fd_ || fd == control_fd_) return EEXIST;
    // A closed fd fails here (EBADF), as with epoll; so does a full fd table (EMFILE).
    int polled = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (polled < 0) return errno;
    if (!IsPollable(polled)) {
      close(polled);
      return EPERM;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (index_.count(fd)) {
        close(polled);
        return EEXIST;
      }
      index_.emplace(fd, entries_.size());
      entries_.push_back(Entry{fd, polled, key, interest, mode, true});
    }
    Interrupt();
    return 0;
  }

  int Modify(int fd, uint32_t key, uint32_t interest, Mode mode) override {
    if (mode == Mode::kEdge || mode == Mode::kEdgeOneshot) return EOPNOTSUPP;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = index_.find(fd);
      if (it == index_.end()) return ENOENT;
      Entry& e = entries_[it->second];
      e.key = key;
      e.interest = interest;
      e.mode = mode;
      e.armed = true;
    }
    Interrupt();
    return 0;
  }

  int Delete(int fd) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!RemoveLocked(fd)) return ENOENT;
    }
    Interrupt();
    return 0;
  }

  int Wait(uint32_t* out, size_t capacity, int64_t timeout_ns, size_t* count, const char** syscall) override {
    *count = 0;
    *syscall = "ppoll";
    const bool forever = timeout_ns < 0;
    const int64_t deadline = forever ? 0 : MonotonicNowNs() + timeout_ns;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        BuildLocked(&fds_, wake_fd_);
      }
      int64_t remaining = forever ? -1 : deadline - MonotonicNowNs();
      if (!forever && remaining < 0) remaining = 0;
      timespec ts{};
      if (remaining >= 0) {
        ts.tv_sec = remaining / 1000000000;
        ts.tv_nsec = remaining % 1000000000;
      }
      int n = ppoll(fds_.data(), fds_.size(), remaining < 0 ? nullptr : &ts, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      bool notified = false;
      if (n > 0) {
        if (fds_[0].revents) {
          DrainEventfd(notify_fd_);
          notified = true;
        }
        if (fds_[1].revents) {
          DrainWakeFd(wake_fd_);
          notified = true;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        *count = HarvestLocked(out, capacity);
      }
      if (*count > 0 || notified || remaining == 0) {
        Acknowledge();
        return 0;
      }
      if (!forever && MonotonicNowNs() >= deadline) {
        Acknowledge();
        return 0;
      }
    }
  }

  int WatchFd() const override { return ready_fd_; }

  // Read only by Wait's BuildLocked, on the same thread; the readiness thread never polls it.
  int SetWakeFd(int fd) override {
    wake_fd_ = fd;
    return 0;
  }

  int PollableFd(int* fd) override {
    *fd = ready_fd_;
    return Start(&exported_);
  }

  int StartWatch() override { return Start(&watched_); }

  void StopWatch() override {
    watched_ = false;
    if (!exported_) StopThread();
  }

  void Harvested() override {
    DrainEventfd(ready_fd_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      signaled_ = false;
    }
    cv_.notify_all();
  }

  void Close() override {
    watched_ = exported_ = false;
    StopThread();
    if (ready_fd_ >= 0) close(ready_fd_);
    if (control_fd_ >= 0) close(control_fd_);
    ready_fd_ = control_fd_ = -1;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_) {
      if (e.polled >= 0) close(e.polled);
    }
    entries_.clear();
    index_.clear();
  }

 private:
  // The thread runs while Node watches or the pollable fd was handed out; `reason` is which.
  int Start(bool* reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) {
      *reason = true;
      return 0;
    }
    stop_ = false;
    signaled_ = false;
    // The thread must not take the process's signals from Node: it starts with all blocked.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int err = 0;
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error& e) {
      err = e.code().value();
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (err == 0) *reason = true;
    return err;
  }

  void StopThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!thread_.joinable()) return;
      stop_ = true;
    }
    cv_.notify_all();
    Signal(control_fd_);
    thread_.join();
    DrainEventfd(ready_fd_);
    DrainEventfd(control_fd_);
  }

  // After a Wait, once the pollable fd is handed out: a signal the thread raised has been answered,
  // so it may poll again. (A Node watch keeps answering with Harvested after its callback, when the
  // callback's consumers have run.) While signaled_ is set the thread does not write the eventfd,
  // so draining it first loses nothing.
  void Acknowledge() {
    if (!exported_) return;
    bool pending;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending = signaled_;
    }
    if (pending) Harvested();
  }

  // epoll refuses files without a poll method with EPERM (epoll_ctl(2)); refuse the same ones so
  // both backends agree: regular files and directories (always "ready", so waiting on them is
  // meaningless) and the memory character devices (/dev/null, /dev/zero, /dev/full, /dev/mem...)
  // except random (1,8), urandom (1,9) and kmsg (1,11), which do implement poll.
  static bool IsPollable(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return true;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return false;
#ifdef __linux__
    if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) {
      unsigned minor_number = minor(st.st_rdev);
      return minor_number == 8 || minor_number == 9 || minor_number == 11;
    }
#endif
    return true;
  }

  void Interrupt() {
    if (control_fd_ >= 0) Signal(control_fd_);
  }

  bool RemoveLocked(int fd) {
    auto it = index_.find(fd);
    if (it == index_.end()) return false;
    size_t slot = it->second;
    index_.erase(it);
    if (entries_[slot].polled >= 0) close(entries_[slot].polled);
    if (slot != entries_.size() - 1) {
      entries_[slot] = entries_.back();
      index_[entries_[slot].fd] = slot;
    }
    entries_.pop_back();
    return true;
  }

  // fds[0] is the notify eventfd, fds[1] the wake fd; fds[kFixed + i] mirrors entries_[i] (a
  // disarmed entry gets a negative fd, which poll(2) skips).
  void BuildLocked(std::vector<pollfd>* fds, int wake_fd) {
    fds->resize(entries_.size() + kFixed);
    (*fds)[0] = pollfd{notify_fd_, POLLIN, 0};
    (*fds)[1] = pollfd{wake_fd, POLLIN, 0};
    for (size_t i = 0; i < entries_.size(); i++) {
      const Entry& e = entries_[i];
      (*fds)[i + kFixed] = pollfd{e.armed ? e.polled : -1, ToPoll(e.interest), 0};
    }
  }

  size_t HarvestLocked(uint32_t* out, size_t capacity) {
    size_t total = fds_.size() - kFixed;
    if (total == 0) return 0;
    if (cursor_ >= total) cursor_ = 0;
    size_t k = 0;
    std::vector<int> gone;
    size_t i = cursor_;
    for (size_t seen = 0; seen < total && k < capacity; seen++, i = (i + 1) % total) {
      const pollfd& p = fds_[i + kFixed];
      if (p.fd < 0 || p.revents == 0) continue;
      if (p.revents & POLLNVAL) {
        // Our duplicate was closed behind our back (a caller closing numbers it does not own): nothing is left to
        // poll under this key, and its number is no longer ours to close.
        entries_[i].polled = -1;
        gone.push_back(entries_[i].fd);
        continue;
      }
      Entry& e = entries_[i];
      out[2 * k] = e.key;
      out[2 * k + 1] = FromPoll(p.revents);
      k++;
      if (e.mode == Mode::kOneshot) e.armed = false;
    }
    cursor_ = i;
    for (int fd : gone) RemoveLocked(fd);
    return k;
  }

  void Run() {
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || !signaled_; });
        if (stop_) return;
        BuildLocked(&fds, -1);
      }
      fds.push_back(pollfd{control_fd_, POLLIN, 0});
      int n = poll(fds.data(), fds.size(), -1);
      if (n < 0 && errno == EINTR) continue;
      bool ready = n < 0;  // an error: let the JS side's Wait surface it
      for (size_t i = 0; i + 1 < fds.size(); i++) {
        if (fds[i].fd >= 0 && fds[i].revents) ready = true;
      }
      if (fds.back().revents) DrainEventfd(control_fd_);
      if (!ready) continue;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return;
        signaled_ = true;
      }
      Signal(ready_fd_);
    }
  }

  int notify_fd_;
  int ready_fd_;
  int control_fd_;
  int wake_fd_ = -1;
  std::mutex mutex_;  // guards entries_, index_ and the thread's state
  std::condition_variable cv_;
  std::vector<Entry> entries_;
  std::unordered_map<int, size_t> index_;
  std::vector<pollfd> fds_;  // Wait's scratch array, owned by the JS thread
  size_t cursor_ = 0;
  std::thread thread_;
  bool stop_ = false;
  bool signaled_ = false;
  // Why the thread runs; touched only by the JS thread.
  bool watched_ = false;
  bool exported_ = false;
};

}  // namespace

std::unique_ptr<Backend> OpenPollBackend(int notify_fd, int* err, const char** syscall) {
  int ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int control_fd = ready_fd < 0 ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (control_fd < 0) {
    *err = errno;
    *syscall = "eventfd";
    if (ready_fd >= 0) close(ready_fd);
    return nullptr;
  }
  return std::unique_ptr<Backend>(new PollBackend(notify_fd, ready_fd, control_fd));
}

}  // namespace reactor
