// Team review, for the library service: review leases (a reviewer's queue skips plates others hold;
// deciding one someone else holds is a 'conflict' naming them) and double review (decisions as votes
// while the library's doubleReview setting is on). Leases are taken only for a signed-in caller
// (currentCaller(): team mode); the desktop app and the CLI have none, and their decisions only look the
// plate's lease up (one primary-key read), so single-user review works and costs as before.
import type { PlateFilter, PlateRow, PlateSort, ReviewAgreement } from '../../shared/types'
import type { Library } from '../db/index'
import type { Decision } from '../db/double-review'
import { LeaseConflict, type QueueScope } from '../db/leases'
import { LibraryError } from '../db/writer'
import { currentCaller } from './caller'

/** how long a lease runs without activity: the Review screen renews its plates every 30 s */
export const DEFAULT_LEASE_SECONDS = 120

export interface TeamReviewOptions {
  leaseSeconds?: number
  /** the clock (ms since the epoch); tests move it to expire leases */
  clock?: () => number
}

export interface TeamReview {
  /** the review queue (unreviewed plates) as `by` sees it: others' leases and (double review) plates
   *  already decided left out. Other lists (a file's plates, reviewed ones) show every plate, unless
   *  `held` says to leave out others' plates anyway (bulk confirm) */
  scope(filter: PlateFilter, by: string, held?: boolean): QueueScope | undefined
  /** a review decision under the plate's lease, as a vote when double review is on */
  decide(plateId: number, d: Decision, by: string, write: () => PlateRow): PlateRow
  /** true when `by` must not see other reviewers' votes on unsettled plates */
  hidesVotes(): boolean
  lease(ids: number[], by: string): { leasing: boolean; held: number[]; others: { plateId: number; holder: string; expiresAt: string }[]; expiresAt: string | null }
  next(filter: PlateFilter, sort: PlateSort, count: number, by: string): { items: PlateRow[]; expiresAt: string | null }
  agreement(): ReviewAgreement
  /** bulk confirm settles plates without double review: an admin's in team mode while it is on */
  checkBulk(): void
  /** settings.set of doubleReview: an admin's in team mode */
  checkSettingsChange(patch: { doubleReview?: boolean }): void
}

export function createTeamReview(library: Library, opts: TeamReviewOptions = {}): TeamReview {
  const { leases, doubleReview, reader } = library
  const clock = opts.clock ?? Date.now
  const leaseMs = (opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000
  const times = () => {
    const t = clock()
    return { now: new Date(t).toISOString(), until: new Date(t + leaseMs).toISOString() }
  }
  const doubleOn = (): boolean => reader.settings().doubleReview === true
  const rate = (agreed: number, plates: number): number | null => (plates ? agreed / plates : null)

  const conflict = (err: unknown): never => {
    if (err instanceof LeaseConflict) throw new LibraryError('conflict', err.message)
    throw err
  }

  return {
    scope(filter, by, held) {
      const caller = currentCaller()
      const queue = filter.state === 'unreviewed'
      const voter = queue && doubleOn() ? by : undefined
      const holder = caller && (queue || held) ? by : undefined
      if (!holder && !voter) return undefined
      return { ...(holder ? { holder, now: times().now } : {}), ...(voter ? { voter } : {}) }
    },

    decide(plateId, d, by, write) {
      const { now, until } = times()
      const caller = currentCaller()
      try {
        return leases.deciding(plateId, by, now, until, !!caller, () => {
          if (!doubleOn()) return write()
          const state = reader.plateState(plateId)
          if (!state || state.reviewState !== 'unreviewed') return write() // a fix of a settled plate
          if (doubleReview.disputed(plateId)) {
            // the adjudication: an admin's ordinary decision settles the dispute
            if (caller && caller.role !== 'admin') {
              throw new LibraryError('conflict', `plate ${plateId} is disputed: two reviewers disagreed, an admin decides it`)
            }
            return write()
          }
          return doubleReview.vote(plateId, d, by, now).plate
        })
      } catch (err) {
        return conflict(err)
      }
    },

    hidesVotes() {
      const caller = currentCaller()
      return doubleOn() && caller?.role !== 'admin'
    },

    lease(ids, by) {
      if (!currentCaller()) return { leasing: false, held: [], others: [], expiresAt: null }
      const { now, until } = times()
      const r = leases.hold(ids, by, now, until)
      return { leasing: true, held: r.held, others: r.others, expiresAt: until }
    },

    next(filter, sort, count, by) {
      const { now, until } = times()
      const voter = doubleOn() && filter.state === 'unreviewed' ? by : undefined
      if (!currentCaller()) {
        // no team mode: the queue as it is, nothing held
        return { items: reader.listPlates(filter, sort, 0, count, voter ? { voter } : undefined).items, expiresAt: null }
      }
      return { items: leases.next(filter, sort, count, by, now, until, voter), expiresAt: until }
    },

    agreement() {
      const counts = doubleReview.queueCounts()
      return {
        doubleReview: doubleOn(),
        reviewers: doubleReview.agreement().map((r) => {
          const plates = Number(r.plates)
          const agreed = Number(r.agreed)
          return { reviewer: r.reviewer, plates, agreed, rate: rate(agreed, plates) }
        }),
        pairs: doubleReview.pairAgreement().map((r) => {
          const plates = Number(r.plates)
          const agreed = Number(r.agreed)
          return { a: r.a, b: r.b, plates, agreed, rate: rate(agreed, plates) }
        }),
        ...counts
      }
    },

    checkBulk() {
      const caller = currentCaller()
      if (caller && caller.role !== 'admin' && doubleOn()) {
        throw Object.assign(new Error('double review is on: only an admin confirms plates in bulk'), { code: 'unauthorized' })
      }
    },

    checkSettingsChange(patch) {
      const caller = currentCaller()
      if (patch.doubleReview !== undefined && caller && caller.role !== 'admin') {
        throw Object.assign(new Error('only an admin turns double review on or off'), { code: 'unauthorized' })
      }
    }
  }
}
