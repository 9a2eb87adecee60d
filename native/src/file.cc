// Regular files on libuv's thread pool. epoll refuses regular files (epoll_ctl(2): EPERM), and
// their reads and writes block in the kernel, so each operation is a job on the pool
// (napi_async_work) and its completion travels back through an eventfd the JS side registers with
// its reactor: that works whether Node's loop runs (integrated mode) or the executor owns the
// thread and blocks in the poller (dedicated mode), where a completion callback on Node's loop
// would never run.
//
// A handle (the object `fileOpen` returns) owns everything a job touches:
//   - the file's fd, closed only once no job uses it, so a late job never reaches a reused number;
//   - the eventfd, written under the handle's mutex, so a write never reaches it once closed;
//   - the memory of every job: a write copies its bytes at submission, a read lands in the job's
//     own block, copied into the caller's view by `fileTake` on the JS thread. No job holds a JS
//     object, so nothing the caller transfers, resizes or lets go can be written after it is gone.
// Lifecycle: OPENING (the open job) -> OPEN (fd set) | failed; any state --fileClose / GC /
// environment exit--> CLOSED: the eventfd is closed at once, the fd when the last job ends, and an
// fd a late open returns is closed by that job.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>

#include "errors.h"

namespace reactor {

namespace {

constexpr napi_type_tag kFileTag = {0x6a1f3c2e9b7d4a05ULL, 0xc48e21f0d5a3b967ULL};
// A stat record: dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks, then (sec, nsec)
// of atime, mtime, ctime, as doubles (what `fileTake` copies for an open or a stat).
constexpr size_t kStatFields = 16;
constexpr int64_t kMaxSafeInteger = 9007199254740991LL;

struct Block {
  std::unique_ptr<uint8_t[]> bytes;
  size_t length = 0;
};

struct FileState {
  std::mutex mutex;
  int fd = -1;
  int eventfd = -1;
  // Jobs queued or running that use `fd`.
  int inflight = 0;
  bool closed = false;
  // (id, result) of finished jobs, not yet drained.
  std::deque<std::pair<double, double>> done;
  // What finished reads, stats and the open produced, until taken.
  std::unordered_map<double, Block> blocks;

  ~FileState() {
    if (fd >= 0) close(fd);
    if (eventfd >= 0) close(eventfd);
  }

  // A job that used `fd` is over; the last one after Close closes it. Called with the mutex held.
  void Release() {
    inflight--;
    if (closed && inflight == 0 && fd >= 0) {
      close(fd);
      fd = -1;
    }
  }

  // JS thread. On Linux close(2) releases the fd even when it reports EINTR: never retried.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex);
    if (closed) return;
    closed = true;
    close(eventfd);
    eventfd = -1;
    done.clear();
    blocks.clear();
    if (fd >= 0 && inflight == 0) {
      close(fd);
      fd = -1;
    }
  }
};

enum class Kind { kOpen, kRead, kWrite, kSync, kDataSync, kStat };

struct Job {
  std::shared_ptr<FileState> state;
  Kind kind;
  double id;
  int fd = -1;
  std::string path;
  int flags = 0;
  int mode = 0;
  Block block;
  int64_t position = -1;
  bool finished = false;
  napi_async_work work = nullptr;
};

// Returns false when out of memory.
bool FillStat(const struct stat& st, Block* block) {
  block->bytes.reset(new (std::nothrow) uint8_t[kStatFields * sizeof(double)]);
  if (!block->bytes) return false;
  block->length = kStatFields * sizeof(double);
  const double fields[kStatFields] = {static_cast<double>(st.st_dev),         static_cast<double>(st.st_ino),
                                      static_cast<double>(st.st_mode),        static_cast<double>(st.st_nlink),
                                      static_cast<double>(st.st_uid),         static_cast<double>(st.st_gid),
                                      static_cast<double>(st.st_rdev),        static_cast<double>(st.st_size),
                                      static_cast<double>(st.st_blksize),     static_cast<double>(st.st_blocks),
                                      static_cast<double>(st.st_atim.tv_sec), static_cast<double>(st.st_atim.tv_nsec),
                                      static_cast<double>(st.st_mtim.tv_sec), static_cast<double>(st.st_mtim.tv_nsec),
                                      static_cast<double>(st.st_ctim.tv_sec), static_cast<double>(st.st_ctim.tv_nsec)};
  std::memcpy(block->bytes.get(), fields, sizeof fields);
  return true;
}

// `call()` until it is not interrupted (EINTR); its value, or -errno.
template <typename Call>
int64_t Retried(Call call) {
  int64_t n;
  do {
    n = static_cast<int64_t>(call());
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

// Thread pool. The syscalls; the result is a count, an fd, 0, or -errno.
int64_t Perform(Job* job) {
  uint8_t* bytes = job->block.bytes.get();
  size_t length = job->block.length;
  switch (job->kind) {
    case Kind::kOpen: {
      int64_t fd = Retried([&] { return open(job->path.c_str(), job->flags | O_CLOEXEC, job->mode); });
      if (fd < 0) return fd;
      // The type travels with the fd, so the caller can refuse what the pool must not serve.
      struct stat st;
      int err = fstat(static_cast<int>(fd), &st) != 0 ? errno : FillStat(st, &job->block) ? 0 : ENOMEM;
      if (err != 0) {
        close(static_cast<int>(fd));
        return -err;
      }
      return fd;
    }
    case Kind::kRead:
      return Retried([&] {
        return job->position < 0 ? read(job->fd, bytes, length) : pread(job->fd, bytes, length, job->position);
      });
    case Kind::kWrite:
      return Retried([&] {
        return job->position < 0 ? write(job->fd, bytes, length) : pwrite(job->fd, bytes, length, job->position);
      });
    case Kind::kSync:
      return Retried([&] { return fsync(job->fd); });
    case Kind::kDataSync:
      return Retried([&] { return fdatasync(job->fd); });
    case Kind::kStat: {
      struct stat st;
      if (fstat(job->fd, &st) != 0) return -errno;
      return FillStat(st, &job->block) ? 0 : -ENOMEM;
    }
  }
  return -EINVAL;
}

// Thread pool (or the JS thread for a job that never ran): hands the result to the handle. Never
// throws, since an exception escaping a pool thread ends the process.
void Finish(Job* job, int64_t result) {
  job->finished = true;
  FileState* state = job->state.get();
  std::lock_guard<std::mutex> lock(state->mutex);
  if (job->kind == Kind::kOpen) {
    // Nobody can learn an fd that arrives after the handle closed: it is closed here.
    if (result >= 0 && state->closed) close(static_cast<int>(result));
    if (result >= 0 && !state->closed) state->fd = static_cast<int>(result);
  } else {
    state->Release();
  }
  if (state->closed) return;
  try {
    bool produced = job->kind == Kind::kRead ? result > 0 : job->kind == Kind::kOpen || job->kind == Kind::kStat;
    if (produced && result >= 0) {
      if (job->kind == Kind::kRead) job->block.length = static_cast<size_t>(result);
      state->blocks[job->id] = std::move(job->block);
    }
    state->done.emplace_back(job->id, static_cast<double>(result));
  } catch (...) {
    // Out of memory: the completion is lost and its waiter would hang; report the job as failed.
    state->blocks.erase(job->id);
    try {
      state->done.emplace_back(job->id, -ENOMEM);
    } catch (...) {
    }
  }
  uint64_t one = 1;
  // EAGAIN: the counter is saturated, so a wake-up is pending anyway.
  Retried([&] { return write(state->eventfd, &one, sizeof one); });
}

void Execute(napi_env env, void* data) {
  Job* job = static_cast<Job*>(data);
  Finish(job, Perform(job));
}

// JS thread, once the job ran (or was cancelled when the environment tore down). Touches no JS
// value: the job holds none.
void Complete(napi_env env, napi_status status, void* data) {
  Job* job = static_cast<Job*>(data);
  if (!job->finished) Finish(job, -ECANCELED);
  napi_delete_async_work(env, job->work);
  delete job;
}

// Queues `job`; on failure the caller still owns it.
void Queue(Napi::Env env, Job* job, const char* syscall) {
  napi_value name = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &name));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_async_work(env, nullptr, name, Execute, Complete, job, &job->work));
  napi_status status = napi_queue_async_work(env, job->work);
  if (status != napi_ok) {
    napi_delete_async_work(env, job->work);
    NAPI_THROW_IF_FAILED_VOID(env, status);
  }
}

std::shared_ptr<FileState> ArgHandle(const Napi::CallbackInfo& info, size_t index) {
  napi_env env = info.Env();
  napi_value value = info[index];
  napi_valuetype type = napi_undefined;
  bool tagged = false;
  void* native = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_typeof(env, value, &type), nullptr);
  if (type == napi_object) {
    NAPI_THROW_IF_FAILED(env, napi_check_object_type_tag(env, value, &kFileTag, &tagged), nullptr);
  }
  if (tagged) NAPI_THROW_IF_FAILED(env, napi_unwrap(env, value, &native), nullptr);
  if (native == nullptr) ThrowTypeError(env, "The \"handle\" argument must be a file handle from fileOpen");
  return *static_cast<std::shared_ptr<FileState>*>(native);
}

void FinalizeHandle(napi_env env, void* native, void* hint) {
  auto* state = static_cast<std::shared_ptr<FileState>*>(native);
  (*state)->Close();
  delete state;
}

// A job on the open file: its handle and id, checked first; `Submit` does the rest.
std::unique_ptr<Job> FileJob(const Napi::CallbackInfo& info, Kind kind) {
  auto job = std::make_unique<Job>();
  job->state = ArgHandle(info, 0);
  job->kind = kind;
  job->id = static_cast<double>(ArgInteger(info, 1, "id", 1, kMaxSafeInteger));
  return job;
}

// Counts the job in flight, so the fd outlives it, and queues it. Throws EBADF on a handle that is
// closed or has no fd (its open failed or has not finished).
void Submit(const Napi::CallbackInfo& info, std::unique_ptr<Job> job, const char* syscall) {
  FileState* state = job->state.get();
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->closed || state->fd < 0) throw ErrnoError(info.Env(), EBADF, syscall);
    job->fd = state->fd;
    state->inflight++;
  }
  try {
    Queue(info.Env(), job.get(), syscall);
  } catch (...) {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->Release();
    throw;
  }
  job.release();
}

// A block of `length` bytes for a job, or ENOMEM.
Block Allocate(const Napi::CallbackInfo& info, int64_t length, const char* syscall) {
  Block block;
  block.bytes.reset(new (std::nothrow) uint8_t[length == 0 ? 1 : length]);
  if (!block.bytes) throw ErrnoError(info.Env(), ENOMEM, syscall);
  block.length = static_cast<size_t>(length);
  return block;
}

int64_t ArgPosition(const Napi::CallbackInfo& info, size_t index) {
  // -1: the file's current offset (read(2)/write(2)); otherwise pread(2)/pwrite(2) at it.
  return ArgInteger(info, index, "position", -1, kMaxSafeInteger);
}

// fileOpen(path, flags, mode): a new handle whose open job (id 0) is queued. O_CLOEXEC is added.
Napi::Value FileOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<Job>();
  job->kind = Kind::kOpen;
  job->id = 0;
  job->path = ArgString(info, 0, "path");
  job->flags = static_cast<int>(ArgInteger(info, 1, "flags", 0, INT32_MAX));
  job->mode = static_cast<int>(ArgInteger(info, 2, "mode", 0, 07777));
  auto state = std::make_shared<FileState>();
  state->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (state->eventfd < 0) throw ErrnoError(env, errno, "eventfd");
  job->state = state;

  Napi::Object handle = Napi::Object::New(env);
  napi_property_descriptor eventfd_property = {
      "eventfd", nullptr, nullptr, nullptr, nullptr, Napi::Number::New(env, state->eventfd), napi_enumerable, nullptr};
  NAPI_THROW_IF_FAILED(env, napi_define_properties(env, handle, 1, &eventfd_property), Napi::Value());
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, handle, &kFileTag), Napi::Value());
  auto* owner = new std::shared_ptr<FileState>(state);
  napi_status status = napi_wrap(env, handle, owner, FinalizeHandle, nullptr, nullptr);
  if (status != napi_ok) {
    delete owner;
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  // From here the handle owns the state: a failure to queue closes it through the handle's close.
  try {
    Queue(env, job.get(), "open");
  } catch (...) {
    state->Close();
    throw;
  }
  job.release();
  return handle;
}

// fileRead(handle, id, length, position): reads into the job's own block of `length` bytes.
Napi::Value FileRead(const Napi::CallbackInfo& info) {
  auto job = FileJob(info, Kind::kRead);
  int64_t length = ArgInteger(info, 2, "length", 0, INT32_MAX);
  job->position = ArgPosition(info, 3);
  job->block = Allocate(info, length, "read");
  const char* syscall = job->position < 0 ? "read" : "pread";
  Submit(info, std::move(job), syscall);
  return info.Env().Undefined();
}

// fileWrite(handle, id, bytes, position): `bytes` is copied now; the caller may reuse it at once.
Napi::Value FileWrite(const Napi::CallbackInfo& info) {
  auto job = FileJob(info, Kind::kWrite);
  Bytes source = ArgBytes(info, 2, "bytes");
  job->position = ArgPosition(info, 3);
  job->block = Allocate(info, static_cast<int64_t>(source.length), "write");
  if (source.length > 0) std::memcpy(job->block.bytes.get(), source.data, source.length);
  const char* syscall = job->position < 0 ? "write" : "pwrite";
  Submit(info, std::move(job), syscall);
  return info.Env().Undefined();
}

// fileSync(handle, id, datasync): fsync(2), or fdatasync(2) when `datasync` is true.
Napi::Value FileSync(const Napi::CallbackInfo& info) {
  auto job = FileJob(info, Kind::kSync);
  if (!info[2].IsBoolean()) ThrowTypeError(info.Env(), "The \"datasync\" argument must be a boolean");
  bool datasync = info[2].As<Napi::Boolean>().Value();
  if (datasync) job->kind = Kind::kDataSync;
  Submit(info, std::move(job), datasync ? "fdatasync" : "fsync");
  return info.Env().Undefined();
}

// fileStat(handle, id): fstat(2); the record is taken with fileTake.
Napi::Value FileStat(const Napi::CallbackInfo& info) {
  Submit(info, FileJob(info, Kind::kStat), "fstat");
  return info.Env().Undefined();
}

// fileDrain(handle, out): moves up to out.length / 2 (id, result) pairs of finished jobs into
// `out` and returns how many. Reads the eventfd first, so a job finishing meanwhile writes it
// again. A full `out` may leave pairs behind: drain again until fewer come back.
Napi::Value FileDrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<FileState> state = ArgHandle(info, 0);
  Napi::Value value = info[1];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    ThrowTypeError(env, "The \"out\" argument must be a Float64Array");
  }
  Napi::Float64Array out = value.As<Napi::Float64Array>();
  size_t capacity = out.ElementLength() / 2;
  if (capacity == 0) ThrowRangeError(env, "The \"out\" argument must hold at least 2 elements");
  double* slots = out.Data();
  std::lock_guard<std::mutex> lock(state->mutex);
  if (state->closed) return Napi::Number::New(env, 0);
  uint64_t counter;
  Retried([&] { return read(state->eventfd, &counter, sizeof counter); });
  size_t count = 0;
  while (count < capacity && !state->done.empty()) {
    slots[2 * count] = state->done.front().first;
    slots[2 * count + 1] = state->done.front().second;
    state->done.pop_front();
    count++;
  }
  return Napi::Number::New(env, static_cast<double>(count));
}

// fileTake(handle, id, dest?, offset?): copies what job `id` produced (a read's bytes, a stat
// record) into `dest` from `offset`, as much as fits, and frees it. Returns the bytes copied; 0
// when there is nothing (or no `dest`, which only frees).
Napi::Value FileTake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<FileState> state = ArgHandle(info, 0);
  double id = static_cast<double>(ArgInteger(info, 1, "id", 0, kMaxSafeInteger));
  Bytes dest{nullptr, 0};
  int64_t offset = 0;
  if (!info[2].IsUndefined()) {
    dest = ArgBytes(info, 2, "dest");
    offset = ArgIntegerOr(info, 3, "offset", 0, kMaxSafeInteger, 0);
  }
  Block block;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    auto it = state->blocks.find(id);
    if (it == state->blocks.end()) return Napi::Number::New(env, 0);
    block = std::move(it->second);
    state->blocks.erase(it);
  }
  size_t room = static_cast<uint64_t>(offset) < dest.length ? dest.length - static_cast<size_t>(offset) : 0;
  size_t count = block.length < room ? block.length : room;
  if (count > 0) std::memcpy(dest.data + offset, block.bytes.get(), count);
  return Napi::Number::New(env, static_cast<double>(count));
}

// fileClose(handle): closes the eventfd now and the fd once no job uses it. Idempotent.
Napi::Value FileClose(const Napi::CallbackInfo& info) {
  ArgHandle(info, 0)->Close();
  return info.Env().Undefined();
}

}  // namespace

void RegisterFileFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "fileOpen", GuardedFunction<FileOpen>);
  SetFunction(env, exports, "fileRead", GuardedFunction<FileRead>);
  SetFunction(env, exports, "fileWrite", GuardedFunction<FileWrite>);
  SetFunction(env, exports, "fileSync", GuardedFunction<FileSync>);
  SetFunction(env, exports, "fileStat", GuardedFunction<FileStat>);
  SetFunction(env, exports, "fileDrain", GuardedFunction<FileDrain>);
  SetFunction(env, exports, "fileTake", GuardedFunction<FileTake>);
  SetFunction(env, exports, "fileClose", GuardedFunction<FileClose>);
}

}  // namespace reactor
