// Echo server in C for bench/echo.ts: the ceiling the JavaScript servers are measured against, under the same load
// generator on the same machine. It does what our `future` server does with nothing between a readiness event and
// the syscalls: one thread; edge-triggered epoll(7), every connection registered once for EPOLLIN | EPOLLOUT; on the
// listener's event, accept until EAGAIN; on a connection's event, recv into one shared buffer and send it straight
// back, until recv says EAGAIN. A short send (a full send buffer) keeps the rest in the connection's own buffer and
// reading stops until EPOLLOUT has let it out.
//
// Listens on --host:--port (127.0.0.1 by default), prints `listening <port>` on a line of its own, and runs until
// SIGTERM or SIGINT.
//
//   cc -O2 -o echo bench/echo.c && ./echo --port 9000
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "options.h"

#define BUFFER_SIZE (64 * 1024)
#define BATCH 1024

typedef struct {
  char* pending;  // bytes read and not yet sent: [offset, length) of `pending`
  size_t offset;
  size_t length;
} Conn;

static volatile sig_atomic_t stopping = 0;
static void stop(int signal) {
  (void)signal;
  stopping = 1;
}

static int epfd;
static Conn* conns;  // indexed by fd
static size_t max_fds;
static char buffer[BUFFER_SIZE];

static void drop(int fd) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(conns[fd].pending);
  conns[fd] = (Conn){0};
}

// Sends what is pending: 1 once all of it went out, 0 if some waits for EPOLLOUT, -1 if the connection failed.
static int flush(int fd) {
  Conn* c = &conns[fd];
  while (c->offset < c->length) {
    ssize_t n = send(fd, c->pending + c->offset, c->length - c->offset, MSG_NOSIGNAL);
    if (n > 0) {
      c->offset += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return 0;
    } else {
      return -1;
    }
  }
  c->offset = c->length = 0;
  return 1;
}

// Echoes the `length` bytes just read into `buffer`: what the send buffer does not take is copied to the
// connection's `pending`. As `flush`.
static int echo(int fd, size_t length) {
  Conn* c = &conns[fd];
  size_t sent = 0;
  while (sent < length) {
    ssize_t n = send(fd, buffer + sent, length - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (c->pending == NULL && (c->pending = malloc(BUFFER_SIZE)) == NULL) return -1;
      memcpy(c->pending, buffer + sent, length - sent);
      c->offset = 0;
      c->length = length - sent;
      return 0;
    } else {
      return -1;
    }
  }
  return 1;
}

static void serve(int fd) {
  int state = flush(fd);
  while (state == 1) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      state = echo(fd, (size_t)n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      state = -1;  // end of stream, or an error
    }
  }
  if (state < 0) drop(fd);
}

static void accept_all(int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all accepted; anything else: the next event retries
    if ((size_t)fd >= max_fds) {
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event event = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data = {.fd = fd}};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) != 0) close(fd);
  }
}

int main(int argc, char** argv) {
  const char* host = string_option(argc, argv, "host", "127.0.0.1");
  int port = (int)option(argc, argv, "port", NULL, 0, 65535);

  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  max_fds = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1 << 20) ? (1 << 20) : limit.rlim_cur;
  conns = calloc(max_fds, sizeof *conns);
  if (conns == NULL) return perror("calloc"), 1;

  struct sigaction action = {.sa_handler = stop};
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);

  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
    fprintf(stderr, "--host must be a numeric IPv4 address, got %s\n", host);
    return 1;
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) != 0 || listen(listener, 4096) != 0) {
    return perror("listen"), 1;
  }
  socklen_t length = sizeof address;
  getsockname(listener, (struct sockaddr*)&address, &length);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN, .data = {.fd = listener}};
  if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &event) != 0) return perror("epoll"), 1;
  printf("listening %d\n", ntohs(address.sin_port));
  fflush(stdout);

  static struct epoll_event events[BATCH];
  while (!stopping) {
    int n = epoll_wait(epfd, events, BATCH, -1);  // a signal ends the wait with EINTR
    for (int i = 0; i < n; i++) {
      if (events[i].data.fd == listener) {
        accept_all(listener);
      } else {
        serve(events[i].data.fd);
      }
    }
  }
  return 0;
}
