// Echo load generator for bench/echo.ts: --conns TCP connections to --host:--port, each playing ping-pong (send
// --size bytes, wait until --size bytes came back, send again) for --seconds after a --warmup. Prints `measuring`
// on a line of its own when the measured window starts, then one JSON object (the LoadReport of bench/echo.ts).
//
// It is C so that it is never the bottleneck: a load generator in JavaScript spent about 15% of its CPU in user
// space (addon calls, the loop) and, on a core of its own, capped the fastest servers. Non-blocking sockets under
// a level-triggered epoll (epoll(7)): an event means bytes are waiting, and a short read is simply reported again on
// the next wait. One recv per readiness event into one reused buffer, one send per message; a short send (a full
// send buffer) adds EPOLLOUT until the message is out.
//
// Every connection has had one message echoed before the warm-up starts, so all of them are in the measured
// population (see the admission below).
//
// Latency is measured from the first byte of a message handed to send to its last byte back, into log-spaced
// buckets (32 per power of two: within 2.2% of the true value), as HdrHistogram would with fewer significant digits.
//
//   cc -O2 -o load bench/load.c -lm
//   ./load --port 9000 [--host 127.0.0.1] [--conns 64] [--size 64] [--seconds 5] [--warmup 1] [--connect-timeout 15]
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "options.h"

#define BUCKETS_PER_OCTAVE 32
#define MAX_BUCKET (32 * BUCKETS_PER_OCTAVE)
#define IN_FLIGHT 128
#define BATCH 1024

static double histogram[MAX_BUCKET + 1];
static double recorded = 0;
static double max_us = 0;

typedef struct {
  int fd;
  int sent;
  int received;
  int connected;
  int echoed;  // the first message came back
  double started_at;
} Conn;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void record(double us) {
  int index = us < 1 ? 0 : 1 + (int)floor(log2(us) * BUCKETS_PER_OCTAVE);
  if (index > MAX_BUCKET) index = MAX_BUCKET;
  histogram[index]++;
  recorded++;
  if (us > max_us) max_us = us;
}

static double quantile(double q) {
  if (recorded == 0) return 0;
  double rank = ceil(q * recorded);
  double seen = 0;
  for (int i = 0; i <= MAX_BUCKET; i++) {
    seen += histogram[i];
    if (seen >= rank) {
      if (i == 0) return 0.5;
      double value = pow(2, (i - 0.5) / BUCKETS_PER_OCTAVE);
      return value < max_us ? value : max_us;
    }
  }
  return max_us;
}

static int epfd;
static Conn* conns;
static int alive = 0;
static int errors = 0;

static void fail(int i) {
  if (conns[i].fd < 0) return;
  epoll_ctl(epfd, EPOLL_CTL_DEL, conns[i].fd, NULL);
  close(conns[i].fd);
  conns[i].fd = -1;
  alive--;
  errors++;
}

static void watch(int i, uint32_t events, int op) {
  struct epoll_event event = {.events = events, .data = {.u32 = (uint32_t)i}};
  if (epoll_ctl(epfd, op, conns[i].fd, &event) != 0) fail(i);
}

// Starts connection i's next message at `now`: what send takes now, EPOLLOUT for the rest. 0 if the connection failed.
static int begin(int i, const char* message, int size, double now) {
  Conn* c = &conns[i];
  c->received = 0;
  c->started_at = now;
  ssize_t sent = send(c->fd, message, (size_t)size, MSG_NOSIGNAL);
  if (sent < 0 && errno != EAGAIN) {
    fail(i);
    return 0;
  }
  c->sent = sent < 0 ? 0 : (int)sent;
  if (c->sent < size) watch(i, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
  return 1;
}

// After EPOLLOUT: sends more of connection i's message, and drops EPOLLOUT once all of it is out. 0 if the connection
// failed.
static int send_rest(int i, const char* message, int size) {
  Conn* c = &conns[i];
  ssize_t sent = send(c->fd, message + c->sent, (size_t)(size - c->sent), MSG_NOSIGNAL);
  if (sent < 0 && errno != EAGAIN) {
    fail(i);
    return 0;
  }
  if (sent > 0) c->sent += (int)sent;
  if (c->sent == size) watch(i, EPOLLIN, EPOLL_CTL_MOD);
  return 1;
}

// After EPOLLIN: reads what came back of connection i's message into `inbox`. 1 once all of it is back, 0 while more
// is to come, -1 if the connection failed (0 bytes is EOF: the server closed on us, which an echo server never does).
static int receive(int i, char* inbox, size_t inbox_size, int size) {
  Conn* c = &conns[i];
  size_t want = (size_t)(size - c->received);
  ssize_t got = recv(c->fd, inbox, want < inbox_size ? want : inbox_size, 0);
  if (got > 0) {
    c->received += (int)got;
    return c->received == size;
  }
  if (got == 0 || errno != EAGAIN) {
    fail(i);
    return -1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* host = string_option(argc, argv, "host", "127.0.0.1");
  int port = (int)option(argc, argv, "port", NULL, 1, 65535);
  int count = (int)option(argc, argv, "conns", "64", 1, 60000);
  int size = (int)option(argc, argv, "size", "64", 1, 1 << 24);
  double seconds = option(argc, argv, "seconds", "5", 0.01, 3600);
  double warmup = option(argc, argv, "warmup", "1", 0, 600);
  double connect_timeout = option(argc, argv, "connect-timeout", "15", 0.1, 600);

  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
    fprintf(stderr, "--host must be a numeric IPv4 address, got %s\n", host);
    return 1;
  }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  conns = calloc((size_t)count, sizeof(Conn));
  char* message = malloc((size_t)size);
  size_t inbox_size = size > 65536 ? (size_t)size : 65536;
  char* inbox = malloc(inbox_size);
  struct epoll_event* events = calloc(BATCH, sizeof(struct epoll_event));
  if (epfd < 0 || conns == NULL || message == NULL || inbox == NULL || events == NULL) {
    perror("setup");
    return 1;
  }
  memset(message, 'a', (size_t)size);
  for (int i = 0; i < count; i++) conns[i].fd = -1;

  // Admission: at most IN_FLIGHT connections at a time are opening, and a connection stays in flight until its first
  // message has come back. The server has then accepted and served it, so its accept queue (backlog 511 for
  // node:net) never overflows into SYN-ACK retransmits that stall a connection for seconds, and every connection is
  // in the measured population: a server that accepts one connection per loop turn cannot shrink it to the ones it
  // took first. The warm-up starts when every connection has echoed once.
  double started = now_ms();
  double deadline = started + connect_timeout * 1000;
  int next = 0;
  int pending = 0;
  int admitted = 0;  // connections whose first message came back, or that failed
  while (admitted < count) {
    while (pending < IN_FLIGHT && next < count) {
      int i = next++;
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        errors++;
        admitted++;
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      if (connect(fd, (struct sockaddr*)&address, sizeof(address)) != 0 && errno != EINPROGRESS) {
        close(fd);
        errors++;
        admitted++;
        continue;
      }
      conns[i].fd = fd;
      alive++;
      watch(i, EPOLLOUT, EPOLL_CTL_ADD);
      pending++;
    }
    double now = now_ms();
    if (now > deadline) {
      fprintf(stderr, "connect: %d of %d connections echoed a first message after %g s\n", admitted - errors, count,
              connect_timeout);
      return 1;
    }
    int n = epoll_wait(epfd, events, BATCH, (int)fmin(100, deadline - now) + 1);
    for (int k = 0; k < n; k++) {
      int i = (int)events[k].data.u32;
      Conn* c = &conns[i];
      if (c->fd < 0 || c->echoed) continue;
      if (!c->connected) {
        int error = 0;
        socklen_t length = sizeof(error);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
          fail(i);
          pending--;
          admitted++;
          continue;
        }
        c->connected = 1;
        ssize_t sent = send(c->fd, message, (size_t)size, MSG_NOSIGNAL);
        c->sent = sent < 0 ? 0 : (int)sent;
        if (sent < 0 && errno != EAGAIN) {
          fail(i);
          pending--;
          admitted++;
          continue;
        }
        watch(i, c->sent < size ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
        continue;
      }
      if ((events[k].events & EPOLLOUT) != 0 && c->sent < size && !send_rest(i, message, size)) {
        pending--;
        admitted++;
        continue;
      }
      if ((events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        int back = receive(i, inbox, inbox_size, size);
        if (back != 0) {
          c->echoed = back > 0;
          pending--;
          admitted++;
        }
      }
    }
  }
  if (errors > 0) {
    fprintf(stderr, "connect: %d of %d connections to %s:%d failed\n", errors, count, host, port);
    return 1;
  }
  double connect_ms = now_ms() - started;

  double now = now_ms();
  // The measured messages: every connection starts its next one now; later ones start when the previous is back.
  for (int i = 0; i < count; i++) {
    begin(i, message, size, now);
  }

  double measure_from = now + warmup * 1000;
  double end = measure_from + seconds * 1000;
  int measuring = 0;
  double requests = 0;
  double from = now;
  double cpu_from = cpu_seconds();
  while (now < end && alive > 0) {
    if (!measuring && now >= measure_from) {
      // Tells the runner the measured window starts, so it can sample the server's CPU time.
      fputs("measuring\n", stdout);
      fflush(stdout);
      measuring = 1;
      cpu_from = cpu_seconds();
      from = now;
    }
    double left = measuring ? end - now : measure_from - now;
    int n = epoll_wait(epfd, events, BATCH, (int)fmax(0, fmin(left, 100)) + 1);
    for (int k = 0; k < n; k++) {
      int i = (int)events[k].data.u32;
      Conn* c = &conns[i];
      if (c->fd < 0) continue;
      if ((events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        int back = receive(i, inbox, inbox_size, size);
        if (back < 0) continue;
        if (back > 0) {
          double t = now_ms();
          if (measuring) {
            requests++;
            record((t - c->started_at) * 1000);
          }
          if (!begin(i, message, size, t)) continue;
        }
      }
      if ((events[k].events & EPOLLOUT) != 0 && c->fd >= 0 && c->sent < size) send_rest(i, message, size);
    }
    now = now_ms();
  }
  double elapsed = measuring ? (now - from) / 1000 : 0;
  double cpu = cpu_seconds() - cpu_from;
  printf(
      "{\"conns\":%d,\"size\":%d,\"seconds\":%.6f,\"requests\":%.0f,\"rps\":%.3f,\"p50Us\":%.3f,\"p99Us\":%.3f,"
      "\"p999Us\":%.3f,\"maxUs\":%.3f,\"errors\":%d,\"loadCpu\":%.4f,\"connectMs\":%.3f}\n",
      count, size, elapsed, requests, elapsed > 0 ? requests / elapsed : 0, quantile(0.5), quantile(0.99),
      quantile(0.999), max_us, errors, elapsed > 0 ? cpu / elapsed : 0, connect_ms);
  for (int i = 0; i < count; i++) {
    if (conns[i].fd >= 0) close(conns[i].fd);
  }
  close(epfd);
  return errors > 0 ? 2 : 0;
}
