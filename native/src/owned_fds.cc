#include "owned_fds.h"

#include <unistd.h>

#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "addon.h"
#include "errors.h"

namespace reactor {

namespace {

// Built on first use and never destroyed (as the notify table): a Worker whose environment ends while the process
// tears down never touches a destroyed mutex.
std::mutex& TableMutex() {
  static std::mutex* mutex = new std::mutex();
  return *mutex;
}

std::unordered_map<int, uint64_t>& Table() {
  static auto* table = new std::unordered_map<int, uint64_t>();
  return *table;
}

}  // namespace

bool OwnFd(uint64_t owner, int fd) noexcept {
  std::lock_guard<std::mutex> lock(TableMutex());
  try {
    Table()[fd] = owner;
  } catch (...) {
    return false;
  }
  return true;
}

void DisownFd(int fd) noexcept {
  std::lock_guard<std::mutex> lock(TableMutex());
  Table().erase(fd);
}

int CloseOwnedFd(int fd) noexcept {
  DisownFd(fd);
  // Until close(2) returns the number is still this file's, so no other file can have entered it meanwhile.
  return close(fd);
}

void CloseEnvironmentFds(uint64_t owner) noexcept {
  std::vector<int> closing;
  {
    std::lock_guard<std::mutex> lock(TableMutex());
    auto& table = Table();
    for (auto it = table.begin(); it != table.end();) {
      if (it->second != owner) {
        ++it;
        continue;
      }
      try {
        closing.push_back(it->first);
      } catch (...) {
        // Out of memory: close it here, under the lock (close(2) of a socket without SO_LINGER does not block).
        close(it->first);
      }
      it = table.erase(it);
    }
  }
  // On Linux the fd is released even when close(2) reports EINTR: never retried (close(2), NOTES).
  for (int fd : closing) close(fd);
}

namespace {

// fds a call has just created: closed when this goes out of scope unless `Keep` entered them in the table.
class NewFds {
 public:
  NewFds(Napi::Env env, int first, int second) : env_(env), fds_{first, second} {}
  ~NewFds() {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }
  NewFds(const NewFds&) = delete;
  NewFds& operator=(const NewFds&) = delete;

  void Keep() {
    uint64_t owner = env_.GetInstanceData<AddonData>()->id;
    for (int i = 0; i < 2; i++) {
      if (fds_[i] >= 0 && !OwnFd(owner, fds_[i])) {
        // All or none: the ones already entered leave the table before the destructor closes them.
        for (int j = 0; j < i; j++) DisownFd(fds_[j]);
        throw ErrnoError(env_, ENOMEM, "own");
      }
    }
    fds_[0] = fds_[1] = -1;
  }

 private:
  Napi::Env env_;
  int fds_[2];
};

}  // namespace

Napi::Value OwnedFdNumber(Napi::Env env, int fd) {
  NewFds created(env, fd, -1);
  Napi::Value result = Napi::Number::New(env, fd);
  created.Keep();
  return result;
}

Napi::Value OwnedFdPair(Napi::Env env, int first, int second) {
  NewFds created(env, first, second);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, first));
  result.Set(1u, Napi::Number::New(env, second));
  created.Keep();
  return result;
}

}  // namespace reactor
