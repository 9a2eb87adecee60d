#include "notifier.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <unordered_map>

namespace reactor {

namespace {

// The table is process-wide by nature: a token is handed from one thread (one Node environment)
// to another. Function-local statics are built on first use and never destroyed, so a Worker
// exiting during process teardown never touches a destroyed mutex.
std::mutex& TableMutex() {
  static std::mutex* mutex = new std::mutex();
  return *mutex;
}

std::unordered_map<uint64_t, std::weak_ptr<Notifier>>& Table() {
  static auto* table = new std::unordered_map<uint64_t, std::weak_ptr<Notifier>>();
  return *table;
}

// Tokens start above zero and are never reused; 2^53 of them fit a JS number exactly.
std::atomic<uint64_t> next_token{1};

}  // namespace

std::shared_ptr<Notifier> Notifier::Create(int* err) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return nullptr;
  }
  std::shared_ptr<Notifier> notifier(new Notifier(fd, next_token.fetch_add(1)));
  std::lock_guard<std::mutex> lock(TableMutex());
  Table().emplace(notifier->token_, notifier);
  return notifier;
}

bool Notifier::NotifyToken(uint64_t token) {
  std::shared_ptr<Notifier> notifier;
  {
    std::lock_guard<std::mutex> lock(TableMutex());
    auto it = Table().find(token);
    if (it == Table().end()) return false;
    notifier = it->second.lock();
  }
  return notifier != nullptr && notifier->Notify() == 0;
}

Notifier::~Notifier() { Close(); }

int Notifier::Notify() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return EBADF;
  uint64_t one = 1;
  ssize_t n;
  do {
    n = write(fd_, &one, sizeof one);
  } while (n < 0 && errno == EINTR);
  // EAGAIN means the counter is saturated: a wake-up is already pending, which is all we need.
  if (n < 0 && errno != EAGAIN) return errno;
  return 0;
}

void Notifier::Close() {
  {
    std::lock_guard<std::mutex> lock(TableMutex());
    Table().erase(token_);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  closed_ = true;
  close(fd_);
  fd_ = -1;
}

}  // namespace reactor
