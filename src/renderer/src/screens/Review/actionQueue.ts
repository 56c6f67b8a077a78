// The order guarantee behind review keys: decisions reach the backend one at a time, in key order.

/**
 * A serialised promise chain: each task starts when the one before it has settled, so the backend sees
 * the decisions in the order the keys were pressed, whatever the transport does with parallel requests.
 */
export class ActionQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private waiting = 0
  private listeners = new Set<(pending: number) => void>()

  /** tasks queued or running */
  get pending(): number {
    return this.waiting
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++
    this.emit()
    const p = this.tail.then(task)
    this.tail = p.then(
      () => this.done(),
      () => this.done()
    )
    return p
  }

  /** resolves once every task queued so far has settled */
  idle(): Promise<void> {
    return this.tail.then(() => undefined)
  }

  onChange(cb: (pending: number) => void): () => void {
    this.listeners.add(cb)
    return () => {
      this.listeners.delete(cb)
    }
  }

  private done(): void {
    this.waiting--
    this.emit()
  }

  private emit(): void {
    for (const cb of this.listeners) cb(this.waiting)
  }
}
