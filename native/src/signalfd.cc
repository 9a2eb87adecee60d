// Thin signal syscalls: signalfd(2), pthread_sigmask(3) for the calling thread, and the same mask change
// for another thread of this process. Signal sets cross the boundary as arrays of signal numbers. Which
// signals to take, which threads to change, and what to restore are decided in TypeScript.
//
// Why another thread's mask at all: signalfd(2) only reads signals that are blocked, and a process-directed
// signal goes to any thread that does not block it (signal(7)). Node runs threads the addon does not start
// (V8 platform workers, libuv's threadpool) with most signals unblocked, so one of them would take the signal
// first: the default action, a handler, or a discarded ignore. A thread's mask can only be changed by that
// thread, so the change is carried to it by a real-time signal (the "carrier") whose handler edits the mask
// the kernel restores when the handler returns (the ucontext's uc_sigmask, sigreturn(2)).
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string>

#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

// Signals are 1..64 on Linux (signal(7)); glibc keeps 32 and 33 for itself and refuses to put them in a set.
constexpr int kMaxSignal = 64;

uint64_t Bit(int signo) { return uint64_t{1} << (signo - 1); }

// An array of signal numbers as a bit set (signal n is bit n - 1).
uint64_t ArgSignals(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsArray()) ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be an array");
  Napi::Array array = value.As<Napi::Array>();
  uint32_t length = array.Length();
  if (length > kMaxSignal) {
    ThrowRangeError(info.Env(), std::string("The \"") + name + "\" argument must hold at most 64 signals");
  }
  uint64_t bits = 0;
  for (uint32_t i = 0; i < length; i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) {
      ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be an array of signal numbers");
    }
    double number = item.As<Napi::Number>().DoubleValue();
    sigset_t probe;
    sigemptyset(&probe);
    if (!(number >= 1 && number <= kMaxSignal && static_cast<int>(number) == number) ||
        sigaddset(&probe, static_cast<int>(number)) != 0) {
      ThrowRangeError(info.Env(), std::string("The \"") + name + "\" argument must hold signal numbers from 1 to 64, " +
                                      "but not 32 or 33 (the C library's own)");
    }
    bits |= Bit(static_cast<int>(number));
  }
  return bits;
}

void ToSigset(uint64_t bits, sigset_t* set) {
  sigemptyset(set);
  for (int signo = 1; signo <= kMaxSignal; signo++) {
    if ((bits & Bit(signo)) != 0) sigaddset(set, signo);
  }
}

uint64_t FromSigset(const sigset_t* set) {
  uint64_t bits = 0;
  for (int signo = 1; signo <= kMaxSignal; signo++) {
    if (sigismember(set, signo) == 1) bits |= Bit(signo);
  }
  return bits;
}

Napi::Array ToArray(Napi::Env env, uint64_t bits) {
  Napi::Array result = Napi::Array::New(env);
  uint32_t next = 0;
  for (int signo = 1; signo <= kMaxSignal; signo++) {
    if ((bits & Bit(signo)) != 0) result.Set(next++, Napi::Number::New(env, signo));
  }
  return result;
}

// "block" or "unblock": SIG_BLOCK or SIG_UNBLOCK.
int ArgHow(const Napi::CallbackInfo& info, size_t index) {
  std::string how = ArgString(info, index, "how");
  if (how == "block") return SIG_BLOCK;
  if (how == "unblock") return SIG_UNBLOCK;
  ThrowRangeError(info.Env(), "The \"how\" argument must be \"block\" or \"unblock\"");
}

Napi::Value Signalfd(const Napi::CallbackInfo& info) {
  sigset_t mask;
  ToSigset(ArgSignals(info, 0, "signals"), &mask);
  int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "signalfd");
  return OwnedFdNumber(info.Env(), fd);
}

// sigmask(how, signals): pthread_sigmask(3) on the calling thread; the previous mask.
Napi::Value Sigmask(const Napi::CallbackInfo& info) {
  int how = ArgHow(info, 0);
  sigset_t set;
  sigset_t previous;
  ToSigset(ArgSignals(info, 1, "signals"), &set);
  int r = pthread_sigmask(how, &set, &previous);
  if (r != 0) throw ErrnoError(info.Env(), r, "pthread_sigmask");
  return ToArray(info.Env(), FromSigset(&previous));
}

// One mask change in flight, process-wide: signal dispositions and thread masks are process state, so this
// is the one place the addon keeps state outside an environment. Its life, for request g:
//
//   requester: generation = 0, fields, generation = g (a seqlock) -> send carrier(g) -> wait for served == g
//   handler on the target thread: read generation, fields, generation again (unchanged: the fields are g's)
//     -> settle g -> apply to the mask the thread returns to -> served = g
//   requester at its deadline: settle g (the request is given up) -> ETIMEDOUT
//   requester after served: send probe(g), which the thread can only take once it has left the carrier's handler
//     (the handler blocks every signal) -> wait for acked == g: the new mask is in force
//
// `settled` decides each request once: whoever moves it to g first, the handler (which then applies it) or the
// requester giving up (a late carrier then applies nothing), so a request reported as timed out never takes effect
// later. The seqlock keeps a late carrier from reading fields the next request is writing.
struct MaskRequest {
  std::atomic<uint32_t> generation{0};
  std::atomic<pid_t> tid{0};
  std::atomic<int> how{SIG_BLOCK};
  std::atomic<uint64_t> bits{0};
  std::atomic<uint64_t> previous{0};
  std::atomic<uint32_t> settled{0};
  std::atomic<uint32_t> served{0};  // futex word
  std::atomic<uint32_t> acked{0};   // futex word
};

// The handler touches only these atomics: they must be lock-free to be async-signal-safe (signal-safety(7)), since
// a handler may interrupt a store on its own thread.
static_assert(std::atomic<uint32_t>::is_always_lock_free, "the handler's atomics must be lock-free");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "the handler's atomics must be lock-free");
static_assert(std::atomic<pid_t>::is_always_lock_free, "the handler's atomics must be lock-free");
static_assert(std::atomic<int>::is_always_lock_free, "the handler's atomics must be lock-free");

// A carrier's value: the generation (below 2^30, never 0), with kProbe set for the probe.
constexpr uint32_t kProbe = uint32_t{1} << 30;
constexpr uint32_t kGenerations = kProbe - 1;

// Built on first use (by a requester, before any carrier is sent) and never destroyed: a late carrier may still run
// the handler while the process exits, after static destructors.
MaskRequest& Request() {
  static MaskRequest* request = new MaskRequest();
  return *request;
}

std::mutex& RequestLock() {
  static std::mutex* lock = new std::mutex();
  return *lock;
}

// The carriers (bit n - 1 for signal n) sent and not answered in time: one may still be pending on its thread,
// so its handler stays installed for good (with the default action, a late carrier would end the process).
std::atomic<uint64_t>& CarriersOutstanding() {
  static auto* outstanding = new std::atomic<uint64_t>(0);
  return *outstanding;
}

long Futex(std::atomic<uint32_t>* word, int op, uint32_t value, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0);
}

void Publish(std::atomic<uint32_t>* word, uint32_t generation) {
  word->store(generation, std::memory_order_release);
  Futex(word, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr);
}

// Moves `settled` to `generation`; true when this call did (nobody had settled it yet).
bool Settle(MaskRequest& request, uint32_t generation) {
  uint32_t seen = request.settled.load(std::memory_order_acquire);
  while (seen != generation) {
    if (request.settled.compare_exchange_weak(seen, generation, std::memory_order_acq_rel)) return true;
  }
  return false;
}

// The carrier's work on the target thread: request `generation`, if it is still the current one, consistent, for
// this thread, and not given up.
void Serve(MaskRequest& request, uint32_t generation, ucontext_t* context) {
  if (generation == 0 || request.generation.load(std::memory_order_acquire) != generation) return;
  pid_t tid = request.tid.load(std::memory_order_relaxed);
  uint64_t bits = request.bits.load(std::memory_order_relaxed);
  bool block = request.how.load(std::memory_order_relaxed) == SIG_BLOCK;
  std::atomic_thread_fence(std::memory_order_acquire);
  if (request.generation.load(std::memory_order_relaxed) != generation) return;
  if (tid != static_cast<pid_t>(syscall(SYS_gettid)) || !Settle(request, generation)) return;
  sigset_t* mask = &context->uc_sigmask;
  request.previous.store(FromSigset(mask), std::memory_order_relaxed);
  for (int signo = 1; signo <= kMaxSignal; signo++) {
    if ((bits & Bit(signo)) == 0) continue;
    if (block) {
      sigaddset(mask, signo);
    } else {
      sigdelset(mask, signo);
    }
  }
  Publish(&request.served, generation);
}

// Runs on the target thread. Only async-signal-safe calls (signal-safety(7)): getpid, syscall, the sigset
// functions; errno is preserved for the code it interrupted.
void OnCarrier(int, siginfo_t* info, void* context) {
  int saved_errno = errno;
  if (info->si_code == SI_QUEUE && info->si_pid == getpid()) {
    MaskRequest& request = Request();
    uint32_t value = static_cast<uint32_t>(info->si_value.sival_int);
    if ((value & kProbe) != 0) {
      Publish(&request.acked, value & kGenerations);
    } else {
      Serve(request, value, static_cast<ucontext_t*>(context));
    }
  }
  errno = saved_errno;
}

bool IsOurs(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) != 0 && action.sa_sigaction == OnCarrier;
}

int64_t NowNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// Waits until `word` holds `generation` or the deadline passed; true when it does.
bool Await(std::atomic<uint32_t>* word, uint32_t generation, int64_t deadline) {
  for (;;) {
    uint32_t seen = word->load(std::memory_order_acquire);
    if (seen == generation) return true;
    int64_t left = deadline - NowNanos();
    if (left <= 0) return false;
    timespec wait = {static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
    // EAGAIN (the word changed), EINTR and ETIMEDOUT all lead back to the check above.
    Futex(word, FUTEX_WAIT_PRIVATE, seen, &wait);
  }
}

// rt_tgsigqueueinfo(2) with SI_QUEUE (what sigqueue(3) sends): a thread-directed signal that carries `value`; the
// kernel refuses ESRCH for a thread outside this thread group. 0 or -errno.
int SendCarrier(pid_t tid, int carrier, uint32_t value) {
  siginfo_t carried = {};
  carried.si_signo = carrier;
  carried.si_code = SI_QUEUE;
  carried.si_pid = getpid();
  carried.si_uid = getuid();
  carried.si_value.sival_int = static_cast<int>(value);
  return syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, carrier, &carried) == 0 ? 0 : -errno;
}

// threadSigmask(tid, how, signals, carrier, timeoutMs): pthread_sigmask(3) as if called by thread `tid` of
// this process: its previous mask, or -errno: ESRCH (no such thread here), EBUSY (the carrier has a handler
// that is not ours), ETIMEDOUT (the thread did not run the carrier's handler in time: it blocks the carrier,
// or is stopped; the change is then never made). The carrier, a real-time signal, must not be blocked by the target
// thread. It returns once the thread has left the handler, so the new mask is in force (bounded by the same
// timeout).
//
// The mask the handler edits is the one its thread had when the carrier interrupted it. Carriers are blocked
// while the handler runs, so two changes to one thread apply in order; a foreign handler that leaves the
// carrier unblocked and is interrupted by it restores its own saved mask afterwards, undoing the change; the
// caller re-reads the masks to catch that.
Napi::Value ThreadSigmask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t tid = static_cast<pid_t>(ArgInteger(info, 0, "tid", 1, INT32_MAX));
  int how = ArgHow(info, 1);
  uint64_t bits = ArgSignals(info, 2, "signals");
  int carrier = static_cast<int>(ArgInteger(info, 3, "carrier", 1, kMaxSignal));
  if (carrier < SIGRTMIN || carrier > SIGRTMAX) {
    ThrowRangeError(env, "The \"carrier\" argument must be a real-time signal (SIGRTMIN to SIGRTMAX)");
  }
  int64_t timeout_ms = ArgInteger(info, 4, "timeoutMs", 0, 60000);

  std::lock_guard<std::mutex> guard(RequestLock());
  struct sigaction previous_action;
  if (sigaction(carrier, nullptr, &previous_action) != 0) return Napi::Number::New(env, -errno);
  bool installed_here = false;
  if (!IsOurs(previous_action)) {
    if ((previous_action.sa_flags & SA_SIGINFO) != 0 ||
        (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN)) {
      return Napi::Number::New(env, -EBUSY);
    }
    struct sigaction action = {};
    action.sa_sigaction = OnCarrier;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&action.sa_mask);
    if (sigaction(carrier, &action, nullptr) != 0) return Napi::Number::New(env, -errno);
    installed_here = true;
  }

  MaskRequest& request = Request();
  uint32_t generation = (request.generation.load(std::memory_order_relaxed) % kGenerations) + 1;
  request.generation.store(0, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  request.tid.store(tid, std::memory_order_relaxed);
  request.how.store(how, std::memory_order_relaxed);
  request.bits.store(bits, std::memory_order_relaxed);
  request.generation.store(generation, std::memory_order_release);

  int64_t deadline = NowNanos() + timeout_ms * 1000000;
  int result = SendCarrier(tid, carrier, generation);
  if (result != 0) {
    Settle(request, generation);
  } else if (!Await(&request.served, generation, deadline)) {
    // Served after all, once the handler has claimed it: it finishes in a few instructions, never blocking.
    if (Settle(request, generation) || !Await(&request.served, generation, NowNanos() + 1000000000)) {
      result = -ETIMEDOUT;
      CarriersOutstanding().fetch_or(Bit(carrier));
    }
  }
  if (result == 0 && !(how == SIG_BLOCK && (bits & Bit(carrier)) != 0)) {
    // The new mask takes effect when the handler returns (sigreturn(2)); until then the thread shows the handler's
    // mask. The probe is taken only after that, so once it is acknowledged the change is in force and the thread's
    // /proc status tells its real mask. (A thread that now blocks the carrier would never take it: not sent then.)
    if (SendCarrier(tid, carrier, generation | kProbe) == 0 && !Await(&request.acked, generation, deadline)) {
      CarriersOutstanding().fetch_or(Bit(carrier));
    }
  }
  // A handler kept for a pending carrier stays for good. So does one that cannot be put back: it serves nothing
  // without a request, and the call's answer is about the mask, which has been changed.
  if (installed_here && (CarriersOutstanding().load() & Bit(carrier)) == 0 &&
      sigaction(carrier, &previous_action, nullptr) != 0) {
    CarriersOutstanding().fetch_or(Bit(carrier));
  }
  if (result != 0) return Napi::Number::New(env, result);
  return ToArray(env, request.previous.load(std::memory_order_relaxed));
}

}  // namespace

void RegisterSignalConstants(Napi::Env env, Napi::Object constants) {
  // glibc's real-time range is decided at run time (signal(7)): 34..64 with NPTL.
  constants.Set("SIGRTMIN", Napi::Number::New(env, SIGRTMIN));
  constants.Set("SIGRTMAX", Napi::Number::New(env, SIGRTMAX));
}

void RegisterSignalFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "signalfd", GuardedFunction<Signalfd>);
  SetFunction(env, exports, "sigmask", GuardedFunction<Sigmask>);
  SetFunction(env, exports, "threadSigmask", GuardedFunction<ThreadSigmask>);
}

}  // namespace reactor
