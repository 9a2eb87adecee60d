// The poller's notify source: an eventfd that any thread may write to. A process-wide table maps
// never-reused tokens to live notifiers, so a Worker can wake a poller it cannot hold (JS objects
// do not cross threads) and a token outliving its poller is a harmless `false`.
#ifndef REACTOR_NOTIFIER_H_
#define REACTOR_NOTIFIER_H_

#include <cstdint>
#include <memory>
#include <mutex>

namespace reactor {

class Notifier {
 public:
  // Creates the eventfd and enters it in the table; nullptr and `*err` on failure.
  static std::shared_ptr<Notifier> Create(int* err);
  // Wakes the poller behind `token`; false when it is closed or unknown.
  static bool NotifyToken(uint64_t token);

  ~Notifier();
  int fd() const { return fd_; }
  uint64_t token() const { return token_; }
  // Adds one to the eventfd counter: notifies before a wait coalesce into one wake-up.
  // Returns 0, or EBADF once closed.
  int Notify();
  // Leaves the table, then closes the eventfd. Idempotent.
  void Close();

 private:
  Notifier(int fd, uint64_t token) : fd_(fd), token_(token) {}
  std::mutex mutex_;  // orders Notify against Close, so a write never reaches a reused fd number
  int fd_;
  uint64_t token_;
  bool closed_ = false;
};

}  // namespace reactor

#endif  // REACTOR_NOTIFIER_H_
