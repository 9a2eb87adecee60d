/**
 * The future face of a `File`: an operation as a `SimpleFuture`, and the close.
 *
 * An operation future's life: NEW --first poll: submitted--> PENDING (its waker stored on the operation)
 * --completion drained--> READY (decoded, as the Effect face decodes); NEW | PENDING --drop--> cancelled (the job runs
 * on; what it produces is forgotten, filePump.ts). Both are `CheckedFuture`s: polling after Ready or after a drop is a
 * defect.
 *
 * @internal
 */
import * as Exit from "effect/Exit"
import { IoError } from "../IoError.js"
import type { Poll } from "../Poll.js"
import type { Waker } from "../Waker.js"
import type { File, Op } from "./file.js"
import type { Operation } from "./filePump.js"
import { CheckedFuture } from "./future.js"
import * as ioError from "./ioError.js"
import * as poll from "./poll.js"

/** A submitted operation as a future: submits at its first poll; a drop cancels it. @internal */
export class OperationFuture<A> extends CheckedFuture<A, IoError> {
  private operation: Operation | undefined = undefined
  constructor(readonly file: File, readonly op: Op<A> | IoError) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<A, IoError>> {
    const op = this.op
    if (op instanceof IoError) return poll.ready(Exit.fail(op))
    if (this.operation === undefined) {
      try {
        this.operation = this.file.submit(op.syscall, op.start, op.target, op.offset, op.counts)
      } catch (error) {
        return poll.ready(ioError.exitThrown(error))
      }
    }
    const result = this.operation.result
    if (result !== undefined) return poll.ready(op.decode(result))
    this.operation.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    this.operation?.cancel()
  }
}

/** Starts the close at its first poll; Ready once the file is closed (its pending operations finished). @internal */
export class CloseFuture extends CheckedFuture<void, never> {
  private takeBack: (() => void) | undefined = undefined
  private waker: Waker | undefined = undefined
  constructor(readonly file: File) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<void>> {
    if (this.takeBack === undefined) {
      this.file.beginClose()
      this.takeBack = this.file.onClosed(() => this.waker?.wake())
    }
    if (this.file.shut) return poll.ready(Exit.void)
    this.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    this.takeBack?.()
    this.waker = undefined
  }
}
