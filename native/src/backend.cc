#ifdef __linux__
#include <sys/epoll.h>
#endif
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "backend.h"

namespace reactor {

int64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool DrainEventfd(int fd) {
  uint64_t value = 0;
  bool had = false;
  for (;;) {
    ssize_t n = read(fd, &value, sizeof value);
    if (n == static_cast<ssize_t>(sizeof value)) {
      had = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return had;
  }
}

void DrainWakeFd(int fd) {
#ifdef __linux__
  // Its one edge-triggered entry leaves the ready list once reported (epoll(7)).
  epoll_event event;
  while (epoll_wait(fd, &event, 1, 0) < 0 && errno == EINTR) {
  }
#endif
}

}  // namespace reactor
