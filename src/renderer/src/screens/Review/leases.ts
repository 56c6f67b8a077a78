// Team review from the Review screen: it holds the plate on screen and the few fetched ahead (review.lease),
// renews them while the screen is open, lets go when it closes, and learns which of them someone else
// holds so the screen can move past those. Off the key path: a key never waits for a lease. Outside team
// mode the first answer says leasing is off and nothing more is sent.
import { api } from '../../api/client'

/** a screen left alone this long stops renewing: its plates go back to the team when the leases run out */
export const IDLE_MS = 5 * 60_000

export class LeaseKeeper {
  /** null until the backend answered once */
  private leasing: boolean | null = null
  private want: number[] = []
  private sentKey = ''
  private inflight = false
  private again = false
  private foreign = new Map<number, string>()
  private listeners = new Set<() => void>()
  private lastActivity = Date.now()

  /** the reviewer did something (a key, a click): the heartbeat goes on */
  touch(): void {
    this.lastActivity = Date.now()
  }

  /** the plates to hold now (the one shown first); the backend lets go of the others */
  hold(ids: number[]): void {
    if (this.leasing === false) return
    this.want = ids
    if (ids.join(',') !== this.sentKey) this.send()
  }

  /** the heartbeat: the same plates again, which moves their expiry on */
  renew(): void {
    if (this.leasing !== false && this.want.length && Date.now() - this.lastActivity < IDLE_MS) this.send()
  }

  /** lets go of everything held (the screen closes) */
  release(): void {
    if (this.leasing) void api.call('review.lease', { ids: [] }).catch(() => undefined)
    this.want = []
    this.sentKey = ''
  }

  /** who else holds plate `id`, as last heard */
  holder(id: number): string | undefined {
    return this.foreign.get(id)
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb)
    return () => {
      this.listeners.delete(cb)
    }
  }

  private send(): void {
    if (this.inflight) {
      this.again = true
      return
    }
    this.inflight = true
    const ids = this.want
    this.sentKey = ids.join(',')
    api
      .call('review.lease', { ids })
      .then((r) => {
        this.leasing = r.leasing
        for (const id of r.held) this.foreign.delete(id)
        for (const l of r.others) this.foreign.set(l.plateId, l.holder)
        // every answer naming others: the screen looks whether the plate it shows is one of them
        if (r.others.length) for (const cb of this.listeners) cb()
      })
      .catch(() => {
        // a backend without team review, or a failed call: the next renewal asks again
        if (this.leasing === null) this.leasing = false
      })
      .finally(() => {
        this.inflight = false
        if (this.again) {
          this.again = false
          if (this.want.join(',') !== this.sentKey) this.send()
        }
      })
  }
}
