// Review leases: a plate of the review queue is held by one reviewer until its lease expires, so two
// reviewers never work on the same plate at once, across processes sharing one library. A claim is ONE
// statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE free RETURNING): on SQLite it runs inside the
// IMMEDIATE write transaction, on PostgreSQL the conflicting row is locked and the WHERE re-checked on
// its latest version, so of two reviewers claiming the same plate exactly one gets it. Times are ISO
// texts from the caller's clock (comparable as text); an expired row is simply free, never swept.
import type { Db } from './db'
import type { PlateFilter, PlateRow, PlateSort } from '../../shared/types'
import type { Reader } from './reader'
import { Statements } from './statements'

export interface Lease {
  plateId: number
  holder: string
  expiresAt: string
}

/** what the reviewer queue of one person excludes (reader.listPlates) */
export interface QueueScope {
  /** skip plates another holder leases at `now` */
  holder?: string
  now?: string
  /** double review: skip plates this reviewer voted on, and plates with two votes already */
  voter?: string
}

/** the claim: inserts the lease, or takes over one that is the holder's own or expired; a row comes back
 *  only when `holder` holds the plate afterwards. Params: plate id, holder, until, now. */
export const CLAIM_SQL = `INSERT INTO plate_leases (plate_id, holder, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (plate_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE plate_leases.holder = excluded.holder OR plate_leases.expires_at <= ?
  RETURNING plate_id AS "plateId"`

/** the most plates one claim names (one request of the renderer's window, or one review.next) */
export const MAX_CLAIM = 100

export class Leases extends Statements {
  constructor(
    db: Db,
    private readonly reader: Reader
  ) {
    super(db)
  }

  /** true when `holder` now holds `plateId` (claimed or renewed until `until`); false when another
   *  holder's lease on it is still running at `now` */
  claim(plateId: number, holder: string, now: string, until: string): boolean {
    const r = this.stmt(CLAIM_SQL).get(plateId, holder, until, now)
    return r !== undefined
  }

  /** claims (or renews) every existing plate of `ids` for `holder` and lets go of the holder's other
   *  leases: the plates a reviewer holds are the ones on their screen and just ahead of it */
  hold(ids: number[], holder: string, now: string, until: string): { held: number[]; others: Lease[] } {
    const unique = [...new Set(ids)].slice(0, MAX_CLAIM)
    return this.tx(() => {
      this.releaseAllBut(holder, unique)
      const held: number[] = []
      const others: Lease[] = []
      for (const id of unique) {
        if (!this.reader.plateExists(id)) continue
        if (this.claim(id, holder, now, until)) held.push(id)
        else {
          const l = this.live(id, now)
          if (l) others.push(l)
        }
      }
      return { held, others }
    })
  }

  /**
   * The next `count` plates of the queue (filter, sort) that nobody else holds, leased to `holder`; the
   * holder's earlier leases are let go first (so asking again hands back the same plates, renewed).
   * Candidates another reviewer claims between the read and the claim are passed over.
   */
  next(filter: PlateFilter, sort: PlateSort, count: number, holder: string, now: string, until: string, voter?: string): PlateRow[] {
    const want = Math.max(1, Math.min(MAX_CLAIM, count))
    return this.tx(() => {
      this.releaseAllBut(holder, [])
      const out: PlateRow[] = []
      const seen = new Set<number>()
      for (let round = 0; out.length < want && round < 20; round++) {
        const page = this.reader.queueHead(filter, sort, want - out.length + seen.size, { holder, now, voter })
        const fresh = page.filter((p) => !seen.has(p.id))
        if (!fresh.length) break
        for (const p of fresh) {
          seen.add(p.id)
          if (out.length < want && this.claim(p.id, holder, now, until)) out.push(p)
        }
      }
      return out
    })
  }

  /** the running lease on a plate at `now`, if any */
  live(plateId: number, now: string): Lease | null {
    const r = this.stmt(`SELECT plate_id AS "plateId", holder, expires_at AS "expiresAt" FROM plate_leases WHERE plate_id = ? AND expires_at > ?`).get(
      plateId,
      now
    ) as Lease | undefined
    return r ? asLease(r) : null
  }

  /** every running lease (the team's view of who works on what) */
  all(now: string): Lease[] {
    return this.stmt(`SELECT plate_id AS "plateId", holder, expires_at AS "expiresAt" FROM plate_leases WHERE expires_at > ? ORDER BY plate_id`).all(
      now
    ).map((r) => asLease(r as Lease))
  }

  release(plateId: number, holder: string): void {
    this.stmt('DELETE FROM plate_leases WHERE plate_id = ? AND holder = ?').run(plateId, holder)
  }

  /** lets go of the holder's leases except those on `keep` */
  releaseAllBut(holder: string, keep: number[]): number {
    if (!keep.length) return this.stmt('DELETE FROM plate_leases WHERE holder = ?').run(holder).changes
    return this.stmt(`DELETE FROM plate_leases WHERE holder = ? AND plate_id NOT IN (${keep.map(() => '?').join(', ')})`).run(holder, ...keep).changes
  }

  /**
   * `fn` (a decision on `plateId` by `holder`) in one write transaction with the plate's lease: refused
   * with a 'conflict' naming the holder when another reviewer's lease is running; the lease is let go
   * once the decision is written. With `claim` false (no signed-in caller: the desktop app, the CLI)
   * nothing is written, the running lease is only looked up.
   */
  deciding<T>(plateId: number, holder: string, now: string, until: string, claim: boolean, fn: () => T): T {
    return this.tx(() => {
      const other = (): never => {
        const l = this.live(plateId, now)
        throw new LeaseConflict(plateId, l?.holder ?? 'another reviewer', l?.expiresAt ?? until)
      }
      if (claim) {
        if (!this.claim(plateId, holder, now, until)) other()
      } else {
        const l = this.live(plateId, now)
        if (l && l.holder !== holder) other()
      }
      const out = fn()
      if (claim) this.release(plateId, holder)
      return out
    })
  }
}

/** ids as numbers on both stores (PostgreSQL's driver answers BIGINT as text) */
const asLease = (r: Lease): Lease => ({ plateId: Number(r.plateId), holder: r.holder, expiresAt: r.expiresAt })

export class LeaseConflict extends Error {
  readonly code = 'conflict'
  constructor(
    readonly plateId: number,
    readonly holder: string,
    readonly expiresAt: string
  ) {
    super(`plate ${plateId} is being reviewed by ${holder} (their lease runs until ${expiresAt}); it was not changed`)
    this.name = 'LeaseConflict'
  }
}
