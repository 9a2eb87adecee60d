/**
 * Where `readChunk` (and so the socket adapters) reads: consecutive regions of a slab, handed out as views (no copy
 * per read). One slab per read size serves every stream of the thread (`shared`): a read takes its region, reads and
 * hands its chunk out before any other read runs, so the streams' chunks simply follow each other in it.
 *
 * A read asks for `size` bytes at the slab's current offset; the `n` bytes it got become the next chunk, a view of
 * `[offset, offset + n)`, and the offset moves past them. The syscall and `take` must run in one synchronous call: a
 * fiber may yield between any two steps of an Effect, and a read of another stream in that gap would land in the
 * same region. When less than `size` is left, a new slab is taken. Slabs are allocated without zero-filling
 * (`Buffer.allocUnsafeSlow`): the kernel writes every byte a chunk shows. A chunk kept keeps its slab
 * (`slabReads * size` bytes) alive, as a pooled Node Buffer keeps its pool: copy it to keep it alone.
 *
 * An answer of more than `MAX_VIEW` bytes is copied out instead, into a buffer of its exact size, and its region is
 * read into again (Node does the same: each read gets a buffer shrunk to what it got). Views pay off for small
 * chunks, thousands to a slab; a large one fills a slab in a few reads, and a loop that keeps its last chunk while its
 * next read waits (an `Effect.gen` loop's `const chunk`, one per connection) kept a slab per few connections alive:
 * at 1000 connections of 16 KiB, a fresh 256 KiB slab every 13 reads, and page faults to fill it. Measured there, the
 * copies took such a loop from 31–33 to 24–28 µs of server CPU a request; a loop that keeps nothing pays about 2 µs
 * a request for them.
 *
 * Like a pooled Node Buffer's (`Buffer.allocUnsafe`), a chunk's `.buffer` is the whole slab: through it, code that
 * goes past the view's bounds sees other streams' bytes and memory not yet written. Use the view; copy it
 * (`chunk.slice()`) before handing its `.buffer` to code you do not trust.
 *
 * @internal
 */
export class ReadSlab {
  private slab: Uint8Array
  private position = 0

  constructor(readonly size: number, readonly slabReads = 4) {
    this.slab = this.allocate()
  }

  /** The slab to read into, with room for `size` bytes at `offset` (a new slab when the current one is full). */
  region(): Uint8Array {
    if (this.slab.length - this.position < this.size) {
      this.slab = this.allocate()
      this.position = 0
    }
    return this.slab
  }

  get offset(): number {
    return this.position
  }

  /** The chunk of the `n` bytes just read at `offset`: a view, or a copy when `n` is more than `MAX_VIEW`. */
  take(n: number): Uint8Array {
    const start = this.position
    if (n > MAX_VIEW) return this.slab.slice(start, start + n)
    this.position = start + n
    return this.slab.subarray(start, start + n)
  }

  private allocate(): Uint8Array {
    const bytes = Buffer.allocUnsafeSlow(this.size * this.slabReads)
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
}

/** The largest answer `take` hands out as a view of its slab; a larger one is copied out. @internal */
export const MAX_VIEW = 4096

/** The largest read a shared slab serves; a larger one reads into a buffer of its own. @internal */
export const MAX_SLAB_READ = 64 * 1024

/** The smallest size class: reads of fewer bytes share the 1 KiB slab. @internal */
export const MIN_SLAB_READ = 1024

// One slab per power-of-two size class from 1 KiB to 64 KiB: at most 7 per thread, whatever sizes are asked.
const slabs = new Map<number, ReadSlab>()

/** The size class of a read of `size` bytes: the next power of two, at least `MIN_SLAB_READ`. @internal */
export const sizeClass = (size: number): number => Math.max(MIN_SLAB_READ, 2 ** Math.ceil(Math.log2(size)))

/**
 * The thread's slab for reads of up to `size` bytes (`size` at most `MAX_SLAB_READ`): the slab of its size class, so
 * a read asks at most `size` of a region that holds `sizeClass(size)`. @internal
 */
export const shared = (size: number): ReadSlab => {
  const slabSize = sizeClass(size)
  let slab = slabs.get(slabSize)
  if (slab === undefined) {
    slab = new ReadSlab(slabSize)
    slabs.set(slabSize, slab)
  }
  return slab
}

/** How many slabs this thread keeps (for tests: it is bounded). @internal */
export const sharedCount = (): number => slabs.size
