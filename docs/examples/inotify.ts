/**
 * `npx tsx docs/examples/inotify.ts`: watches a fresh temporary directory, changes a few things in it, and prints the
 * events inotify reports for them — a create, a write, a rename (two events sharing a cookie), a new directory, a
 * delete — and finally the `ignored` event that ends the watch once it is removed. Ends by itself.
 */
import { Console, Effect, Stream } from "effect"
import { Inotify, ReactorRuntime } from "effect-reactor"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const { Mask } = Inotify

const describe = (event: Inotify.Event): string => {
  if (Inotify.isOverflow(event)) return "overflow: events were lost, rescan the directory"
  if (Inotify.has(event.mask, Mask.ignored)) return "ignored (the watch ended)"
  const cookie = event.cookie === 0 ? "" : ` (cookie ${event.cookie})`
  return `${Inotify.format(event.mask)} ${event.name ?? "(the directory itself)"}${cookie}`
}

const program = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "inotify-example-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const inotify = yield* Inotify.make()
  const wanted = Inotify.combine(Mask.create, Mask.closeWrite, Mask.move, Mask.delete)
  const watch = yield* inotify.watch(dir, wanted)
  yield* Console.log(`watching ${dir} for ${Inotify.format(wanted)}`)

  // The kernel queues the events as the changes happen; the stream reads them afterwards.
  Fs.writeFileSync(Path.join(dir, "notes.txt"), "hello")
  Fs.renameSync(Path.join(dir, "notes.txt"), Path.join(dir, "renamed.txt"))
  Fs.mkdirSync(Path.join(dir, "drafts"))
  Fs.unlinkSync(Path.join(dir, "renamed.txt"))
  yield* inotify.remove(watch)

  yield* inotify.events.pipe(
    Stream.takeUntil((event) => Inotify.isWatchEvent(event) && Inotify.has(event.mask, Mask.ignored)),
    Stream.runForEach((event) => Console.log(describe(event)))
  )
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
