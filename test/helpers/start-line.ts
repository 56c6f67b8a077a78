// Child processes that must begin at the same moment (several writers of one library): each prints
// "ready" once its modules are loaded and waits for a line on stdin; the test lets them all go when the
// last one is ready. A fixed start time instead had to allow for the slowest tsx start-up under load
// (6-8 s of idling per test, where the start-ups take 1-3 s).
import type { ChildProcess } from 'node:child_process'

export class StartLine {
  private readonly ready: Promise<void>[] = []
  private release!: () => void
  private readonly go = new Promise<void>((resolve) => (this.release = resolve))

  /** a child spawned with stdin and stdout piped, running waitForStartLine() */
  join(p: ChildProcess): void {
    this.ready.push(
      new Promise<void>((resolve, reject) => {
        let seen = ''
        const onData = (d: Buffer): void => {
          seen += d.toString()
          if (seen.includes('ready\n')) {
            p.stdout!.off('data', onData)
            resolve()
          }
        }
        p.stdout!.on('data', onData)
        p.once('exit', (code) => reject(new Error(`a child exited (${code}) before it was ready`)))
      })
    )
    p.stdin!.on('error', () => undefined) // a child that died early: its exit fails the test, not this write
    void this.go.then(() => p.stdin!.end('go\n'))
  }

  /** waits until every child joined so far is ready, then lets them all go */
  async start(): Promise<void> {
    await Promise.all(this.ready)
    this.release()
  }
}

/** in the child: say ready, then wait for the test's go */
export async function waitForStartLine(): Promise<void> {
  process.stdout.write('ready\n')
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
  process.stdin.destroy()
}
