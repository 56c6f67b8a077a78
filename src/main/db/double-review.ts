// Double review: with the library setting on, a decision on an unreviewed plate is a vote (review_votes
// + a 'vote' history row naming its author) and leaves the plate as it was. The second vote, by another
// reviewer, settles the plate when both decided the same (the ordinary decision, written by the writer as
// the second reviewer's, so undo and exports work as always); when they differ the plate stays unreviewed
// with two votes: that is the adjudication queue (filter.disputed), where an admin's ordinary decision
// settles it. Unsettled plates are therefore never labels: exports take reviewed states only (and leave
// out unreviewed plates someone voted on, db/training-reader.ts).
import type { Db } from './db'
import type { PlateRow, ReviewState } from '../../shared/types'
import { plateFromInput } from '../../shared/plate-text'
import type { Reader } from './reader'
import { Statements } from './statements'
import { LibraryError, type Writer } from './writer'

export type Decision = { kind: 'confirm' } | { kind: 'correct'; text: string } | { kind: 'reject' } | { kind: 'illegible' }

export interface Vote {
  plateId: number
  reviewer: string
  reviewState: ReviewState
  text: string
  at: string
}

export interface VoteResult {
  plate: PlateRow
  /** 'pending': waits for a second reviewer; 'agreed': settled; 'disputed': waits for an admin */
  outcome: 'pending' | 'agreed' | 'disputed'
}

export interface AgreementRow {
  reviewer: string
  /** plates this reviewer and another both decided */
  plates: number
  agreed: number
}

export interface PairAgreementRow {
  a: string
  b: string
  plates: number
  agreed: number
}

/** two votes are the same decision: same state, and the same text unless the state carries none */
const SAME = `(a.review_state = b.review_state AND (a.review_state IN ('rejected', 'illegible') OR a.text = b.text))`

export function sameDecision(a: Pick<Vote, 'reviewState' | 'text'>, b: Pick<Vote, 'reviewState' | 'text'>): boolean {
  return a.reviewState === b.reviewState && (a.reviewState === 'rejected' || a.reviewState === 'illegible' || a.text === b.text)
}

export class DoubleReview extends Statements {
  constructor(
    db: Db,
    private readonly reader: Reader,
    private readonly writer: Writer
  ) {
    super(db)
  }

  votes(plateId: number): Vote[] {
    return this.stmt(
      `SELECT plate_id AS "plateId", reviewer, review_state AS "reviewState", text, at FROM review_votes WHERE plate_id = ? ORDER BY id`
    ).all(plateId) as Vote[]
  }

  /** the state and text a decision gives the plate: the writer's rules (writer.ts confirm/correct/...) */
  private outcome(plateId: number, d: Decision): { reviewState: ReviewState; text: string } {
    const cur = this.reader.plateState(plateId)
    if (!cur) throw new LibraryError('not-found', `plate ${plateId} not found`)
    switch (d.kind) {
      case 'confirm':
        if (!cur.text) throw new LibraryError('invalid-request', `plate ${plateId} has no text to confirm; type it, or mark the plate illegible`)
        return { reviewState: 'confirmed', text: cur.text }
      case 'correct': {
        const clean = plateFromInput(d.text)
        if (!clean) throw new LibraryError('invalid-request', 'corrected text is empty; an unreadable plate is marked illegible')
        const model = this.reader.plateModelText(plateId)
        return { reviewState: model == null ? 'manual' : clean === model ? 'confirmed' : 'corrected', text: clean }
      }
      case 'reject':
        return { reviewState: 'rejected', text: cur.text }
      case 'illegible':
        return { reviewState: 'illegible', text: '' }
    }
  }

  /** true when the plate waits for an admin: unreviewed with two (disagreeing) votes */
  disputed(plateId: number): boolean {
    const s = this.reader.plateState(plateId)
    return s?.reviewState === 'unreviewed' && this.votes(plateId).length >= 2
  }

  /**
   * `reviewer`'s decision on an unreviewed plate as a vote. A reviewer may change their vote while the
   * plate waits for the second one; a plate with two votes takes no more (its dispute is an admin's).
   */
  vote(plateId: number, d: Decision, reviewer: string, at: string): VoteResult {
    return this.tx(() => {
      const cur = this.reader.plateState(plateId)
      if (!cur) throw new LibraryError('not-found', `plate ${plateId} not found`)
      if (cur.reviewState !== 'unreviewed') throw new LibraryError('conflict', `plate ${plateId} was settled already (${cur.reviewState})`)
      const mine = this.outcome(plateId, d)
      const before = this.votes(plateId)
      const others = before.filter((v) => v.reviewer !== reviewer)
      if (before.length >= 2) {
        throw new LibraryError('conflict', `plate ${plateId} was decided by two reviewers already and waits for an admin`)
      }
      this.stmt(
        `INSERT INTO review_votes (plate_id, reviewer, review_state, text, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (plate_id, reviewer) DO UPDATE SET review_state = excluded.review_state, text = excluded.text, at = excluded.at`
      ).run(plateId, reviewer, mine.reviewState, mine.text, at)
      const old = before.find((v) => v.reviewer === reviewer)
      this.writer.log(plateId, 'vote', old ? { reviewState: old.reviewState, text: old.text } : null, mine, at, reviewer, null)
      const first = others[0]
      if (!first) return { plate: this.reader.getPlate(plateId)!, outcome: 'pending' }
      if (!sameDecision(first, mine)) return { plate: this.reader.getPlate(plateId)!, outcome: 'disputed' }
      // agreed: the ordinary decision, by the second reviewer
      const plate =
        d.kind === 'confirm'
          ? this.writer.confirm(plateId, reviewer)
          : d.kind === 'correct'
            ? this.writer.correct(plateId, d.text, reviewer)
            : d.kind === 'reject'
              ? this.writer.reject(plateId, reviewer)
              : this.writer.illegible(plateId, reviewer)
      return { plate, outcome: 'agreed' }
    })
  }

  /** per reviewer: the plates they and another reviewer both decided, and how many of those agreed */
  agreement(): AgreementRow[] {
    return this.stmt(
      `SELECT a.reviewer AS "reviewer", COUNT(*) AS "plates", COALESCE(SUM(CASE WHEN ${SAME} THEN 1 ELSE 0 END), 0) AS "agreed"
       FROM review_votes a JOIN review_votes b ON b.plate_id = a.plate_id AND b.reviewer <> a.reviewer
       GROUP BY a.reviewer ORDER BY a.reviewer`
    ).all() as AgreementRow[]
  }

  /** per pair of reviewers (a < b) */
  pairAgreement(): PairAgreementRow[] {
    return this.stmt(
      `SELECT a.reviewer AS "a", b.reviewer AS "b", COUNT(*) AS "plates", COALESCE(SUM(CASE WHEN ${SAME} THEN 1 ELSE 0 END), 0) AS "agreed"
       FROM review_votes a JOIN review_votes b ON b.plate_id = a.plate_id AND a.reviewer < b.reviewer
       GROUP BY a.reviewer, b.reviewer ORDER BY a.reviewer, b.reviewer`
    ).all() as PairAgreementRow[]
  }

  /** plates with one vote (waiting for a second reviewer) and with two disagreeing ones (for an admin) */
  queueCounts(): { pending: number; disputed: number } {
    const r = this.stmt(
      `SELECT COALESCE(SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END), 0) AS "pending", COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) AS "disputed"
       FROM (SELECT v.plate_id, COUNT(*) AS n FROM review_votes v JOIN plates p ON p.id = v.plate_id
             WHERE p.review_state = 'unreviewed' GROUP BY v.plate_id) t`
    ).get() as { pending: number; disputed: number }
    return { pending: Number(r.pending), disputed: Number(r.disputed) }
  }
}
