/**
 * effect-reactor: an Effect-typed async IO runtime for Node.js.
 *
 * @since 0.1.0
 */

/**
 * What a registration waits for: readable, writable, priority data, or a mix.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * const both = Interest.combine(Interest.readable, Interest.writable)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Interest from "./Interest.js"

/**
 * Reading a wait batch: flag accessors, formatting and iteration.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const events = PollEvent.makeBatch(256)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollEvent from "./PollEvent.js"

/**
 * The readiness poller: a synchronous native handle and an Effect service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const backend = Effect.provide(Effect.map(Poller.Poller, (poller) => poller.backend), Poller.layer)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Poller from "./Poller.js"

/**
 * The typed error of every `Poller` operation.
 *
 * @example
 * ```ts
 * import { PollerError } from "effect-reactor"
 *
 * const isClosed = PollerError.isReason("Closed")
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollerError from "./PollerError.js"

/**
 * How a registration reports readiness: oneshot, level, edge, edge-oneshot.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * const mode: PollMode.PollMode = PollMode.defaultMode
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollMode from "./PollMode.js"

/**
 * The reactor: registrations with per-direction readiness, and the turn that dispatches poller events to wakers.
 * The runtime's executor turns it (`ReactorRuntime.layer`); a reactor of your own (`Reactor.unsafeMake`) is turned
 * by hand.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reactor, ReactorRuntime } from "effect-reactor"
 *
 * const registered = Effect.provide(Effect.map(Reactor.Reactor, (reactor) => reactor.registrations), ReactorRuntime.layer)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Reactor from "./Reactor.js"

/**
 * The answer of one poll: `Ready` with a value, or the shared `Pending`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const answer: Poll.Poll<number> = Poll.ready(1)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Poll from "./Poll.js"

/**
 * What a pending future keeps so that it can be polled again.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * const waker = Waker.make(() => console.log("poll me again"))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Waker from "./Waker.js"

/**
 * Futures with a typed failure: constructors and `dual` combinators (map, flatMap, all, race, timeout, sleep).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const future = SimpleFuture.all([SimpleFuture.succeed(1), SimpleFuture.sleep(10)])
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as SimpleFuture from "./SimpleFuture.js"

/**
 * The executor (our scheduler): a run queue of tasks, a budget per batch, `spawn`, `blockOn`,
 * cancellation; driven from Node's event loop or owning the thread.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { Executor, SimpleFuture } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake()
 * console.log(Exit.isSuccess(executor.blockOn(SimpleFuture.succeed(1)))) // true
 * executor.close()
 * ```
 *
 * @since 0.1.0
 */
export * as Executor from "./Executor.js"

/**
 * The runtime every IO type needs: `Poller` -> `Reactor` -> `Executor` as one service, provided by `layer`
 * (integrated with Node's event loop) or by `runBlockingExit` (dedicated: this thread becomes the loop).
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * console.log(Exit.isSuccess(ReactorRuntime.runBlockingExit(Effect.sleep("1 millis")))) // true
 * ```
 *
 * @since 0.1.0
 */
export * as ReactorRuntime from "./ReactorRuntime.js"

/**
 * What a runtime is doing: turns, events per turn, wakes, polls, the run queue, budget exhaustions, timers and their
 * lateness, busy and idle time, and fds open per kind, as a synchronous snapshot and as Effect metrics.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const turns = Effect.map(ReactorMetrics.snapshot, (s) => s.turns).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as ReactorMetrics from "./ReactorMetrics.js"

/**
 * `@effect/platform`'s `Socket` over our TCP and Unix stream sockets: `makeNet` and `layerNet` with Node's option
 * shapes, so a `NodeSocket` layer can be swapped for ours.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ReactorSocket, ReactorRuntime } from "effect-reactor"
 *
 * const SocketLive = ReactorSocket.layerNet({ host: "127.0.0.1", port: 8080 }).pipe(Layer.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as ReactorSocket from "./ReactorSocket.js"

/**
 * `@effect/platform`'s `SocketServer` over our TCP and Unix listeners: `make` and `layer` with Node's option shapes.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ReactorSocketServer, ReactorRuntime } from "effect-reactor"
 *
 * const ServerLive = ReactorSocketServer.layer({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as ReactorSocketServer from "./ReactorSocketServer.js"

/**
 * The typed error of every socket and `AsyncFd` operation, with a closed `reason` mapped from errno.
 *
 * @example
 * ```ts
 * import { IoError } from "effect-reactor"
 *
 * const refused = IoError.isReason("ConnectionRefused")
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as IoError from "./IoError.js"

/**
 * The errno numbers the future face answers with (`pollRead`, `pollWrite`, `pollAccept` return a count or a negated
 * errno), by name.
 *
 * @example
 * ```ts
 * import { Errno } from "effect-reactor"
 *
 * const pending = (n: number): boolean => n === -Errno.EAGAIN
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Errno from "./Errno.js"

/**
 * Socket addresses: IPv4/IPv6 with a port, or a Unix domain path.
 *
 * @example
 * ```ts
 * import { SocketAddress } from "effect-reactor"
 *
 * console.log(SocketAddress.format(SocketAddress.inet("127.0.0.1", 80))) // "127.0.0.1:80"
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as SocketAddress from "./SocketAddress.js"

/**
 * Connected TCP sockets: Effects, a Stream and a Sink, and allocation-free polls for futures.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpStream } from "effect-reactor"
 *
 * const hello = Effect.scoped(
 *   Effect.flatMap(TcpStream.connect({ port: 8080 }), (stream) => stream.writeAll(new TextEncoder().encode("hi")))
 * )
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as TcpStream from "./TcpStream.js"

/**
 * Listening TCP sockets: accept until EAGAIN on each readiness event; `accept` and a Stream of connections.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpListener } from "effect-reactor"
 *
 * const port = Effect.scoped(Effect.map(TcpListener.bind({ port: 0 }), (listener) => listener.localAddress))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as TcpListener from "./TcpListener.js"

/**
 * Connected Unix domain stream sockets, with the `TcpStream` surface.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { UnixStream } from "effect-reactor"
 *
 * const connected = Effect.scoped(Effect.map(UnixStream.connect({ path: "/tmp/app.sock" }), (s) => s.fd))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as UnixStream from "./UnixStream.js"

/**
 * Listening Unix domain stream sockets, with the `TcpListener` surface.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { UnixListener } from "effect-reactor"
 *
 * const bound = Effect.scoped(Effect.map(UnixListener.bind({ path: "/tmp/app.sock" }), (l) => l.localAddress))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as UnixListener from "./UnixListener.js"

/**
 * UDP sockets: send to an address, receive with the sender's, connect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { UdpSocket } from "effect-reactor"
 *
 * const local = Effect.scoped(Effect.map(UdpSocket.bind({ port: 0 }), (socket) => socket.localAddress))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as UdpSocket from "./UdpSocket.js"

/**
 * Readiness for any pollable fd (pipe, tty, eventfd, timerfd, ...): waits, and try-wait-retry around your syscalls.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AsyncFd, Interest } from "effect-reactor"
 *
 * const waitReadable = (fd: number) =>
 *   Effect.scoped(Effect.flatMap(AsyncFd.register(fd, { interest: Interest.readable }), (asyncFd) => asyncFd.readable))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as AsyncFd from "./AsyncFd.js"

/**
 * Regular files, which epoll cannot wait on: open, read and write at a position, fsync, fstat and close run on
 * libuv's thread pool, and each completion wakes the waiting task through the reactor. Effects and futures.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { File, ReactorRuntime } from "effect-reactor"
 *
 * const firstBytes = (path: string) =>
 *   Effect.scoped(
 *     Effect.gen(function*() {
 *       const file = yield* File.open(path)
 *       const buffer = new Uint8Array(16)
 *       return buffer.subarray(0, yield* file.read(buffer, 0))
 *     })
 *   ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as File from "./File.js"

/**
 * File system events from inotify(7): watches with a typed `Mask`, a `Stream` of events (watch, mask, rename cookie,
 * name), removal, and queue overflow as a typed `Overflow` event.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inotify, ReactorRuntime } from "effect-reactor"
 *
 * const created = Effect.scoped(Effect.gen(function*() {
 *   const inotify = yield* Inotify.make()
 *   yield* inotify.watch("/tmp", Inotify.Mask.create)
 *   return yield* inotify.read
 * })).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Inotify from "./Inotify.js"

/**
 * Waiting for a process to exit without `SIGCHLD` (pidfd_open(2)), with its exit status, for children of
 * `node:child_process` too; signals through the pidfd.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { spawn } from "node:child_process"
 * import { Pidfd, ReactorRuntime } from "effect-reactor"
 *
 * const exit = Effect.scoped(
 *   Effect.flatMap(Pidfd.fromChildProcess(spawn("true")), (pidfd) => pidfd.exit)
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Pidfd from "./Pidfd.js"

/**
 * Pseudo-terminals (a scope-owned controller/terminal pair of `AsyncFd`s), raw and canonical modes, echo, window
 * size, and raw mode for a scope on any terminal (stdin).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pty, ReactorRuntime } from "effect-reactor"
 *
 * const path = Effect.scoped(Effect.map(Pty.open(), (pty) => pty.path)).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Pty from "./Pty.js"

/**
 * Kernel timers as fds (timerfd): one-shot or periodic with nanosecond durations, on the monotonic, realtime or
 * boottime clock; a `Stream` of expiration counts, where a count above 1 tells of overruns.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, Timerfd } from "effect-reactor"
 *
 * const fired = Effect.scoped(
 *   Effect.gen(function*() {
 *     const timer = yield* Timerfd.make()
 *     yield* timer.arm({ initial: "250 micros" })
 *     return yield* timer.wait
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Timerfd from "./Timerfd.js"

/**
 * Signals as an fd (signalfd): a `Stream` of received signals with the sender's pid and uid. The signals are blocked
 * in every thread of the process while held, so Node's own threads cannot take them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, Signalfd } from "effect-reactor"
 *
 * const sender = Effect.scoped(
 *   Effect.flatMap(Signalfd.make(["SIGUSR2"]), (signalfd) => Effect.map(signalfd.receive, (info) => info.pid))
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Signalfd from "./Signalfd.js"

/**
 * One TCP server in N `worker_threads` Workers, a `ReactorRuntime` each, sharing a port with `SO_REUSEPORT`: the main
 * thread owns the Workers in a scope and talks to them with `Schema` requests.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ServerWorkers } from "effect-reactor"
 * import { Worker } from "node:worker_threads"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const workers = yield* ServerWorkers.make({
 *     spawn: () => new Worker(new URL("./server-worker.js", import.meta.url)),
 *     workers: 2,
 *     listen: { port: 8080 }
 *   })
 *   return yield* workers.join
 * }))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as ServerWorkers from "./ServerWorkers.js"
