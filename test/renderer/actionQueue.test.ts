// The review action queue: tasks run one at a time in the order they were queued, whatever their own
// latency, and a failing task neither stops nor reorders the ones behind it.
import { describe, expect, it } from 'vitest'
import { ActionQueue } from '../../src/renderer/src/screens/Review/actionQueue'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('ActionQueue', () => {
  it('runs tasks one at a time, in order, though later ones would finish first', async () => {
    const q = new ActionQueue()
    const log: string[] = []
    let running = 0
    const task = (name: string, ms: number) => async (): Promise<string> => {
      running++
      expect(running).toBe(1)
      log.push(`start ${name}`)
      await sleep(ms)
      log.push(`end ${name}`)
      running--
      return name
    }
    const results = await Promise.all([q.run(task('a', 30)), q.run(task('b', 1)), q.run(task('c', 10))])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  })

  it('keeps going after a failure and reports it to that task alone', async () => {
    const q = new ActionQueue()
    const counts: number[] = []
    q.onChange((n) => counts.push(n))
    const order: string[] = []
    const failed = q.run(async () => {
      order.push('x')
      throw new Error('plate 7 not found')
    })
    const next = q.run(async () => {
      order.push('y')
      return 'ok'
    })
    expect(q.pending).toBe(2)
    await expect(failed).rejects.toThrow('plate 7 not found')
    await expect(next).resolves.toBe('ok')
    await q.idle()
    expect(order).toEqual(['x', 'y'])
    expect(q.pending).toBe(0)
    expect(counts).toEqual([1, 2, 1, 0])
  })
})
