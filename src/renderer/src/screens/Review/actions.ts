// The review decisions as data. A key press becomes one ReviewAction naming the plate shown when the key
// went down; the ActionQueue sends them to the backend one at a time, in key order, while the screen has
// already moved on (optimistic). Adding a decision (e.g. 'illegible') = one union member + one ACTIONS entry.
export { ActionQueue } from './actionQueue'
import type { Box, PlateRow, ReviewState } from '@shared/types'
import { api } from '../../api/client'
import { normalizePlate } from './normalize'

export type ReviewAction =
  | { kind: 'confirm'; plateId: number }
  | { kind: 'correct'; plateId: number; text: string }
  | { kind: 'reject'; plateId: number }
  | { kind: 'illegible'; plateId: number }
  | { kind: 'box'; plateId: number; box: Box }
  | { kind: 'corners'; plateId: number; corners: Corners | null }

export type Corners = NonNullable<PlateRow['corners']>

export type ActionKind = ReviewAction['kind']

export interface ActionSpec<A extends ReviewAction> {
  /** the plate as it will be once the backend has applied the action (shown at once) */
  optimistic(row: PlateRow, a: A): PlateRow
  /** the API call; resolves to the plate as stored */
  send(a: A): Promise<PlateRow>
  /** whether the screen moves on to the next plate when the key is pressed */
  advance: boolean
}

const reviewed = (row: PlateRow, reviewState: ReviewState): PlateRow => ({ ...row, reviewState, reviewedAt: new Date().toISOString() })

export const ACTIONS: { [K in ActionKind]: ActionSpec<Extract<ReviewAction, { kind: K }>> } = {
  confirm: {
    optimistic: (row) => reviewed(row, 'confirmed'),
    send: (a) => api.call('plates.confirm', { id: a.plateId }),
    advance: true
  },
  correct: {
    // the same rule as the writer: no model reading → manual, back to the model's reading → confirmed
    optimistic: (row, a) => {
      const text = normalizePlate(a.text)
      return { ...reviewed(row, row.modelText == null ? 'manual' : text === row.modelText ? 'confirmed' : 'corrected'), text }
    },
    send: (a) => api.call('plates.correct', { id: a.plateId, text: a.text }),
    advance: true
  },
  reject: {
    optimistic: (row) => reviewed(row, 'rejected'),
    send: (a) => api.call('plates.reject', { id: a.plateId }),
    advance: true
  },
  /** a real plate nobody can read: no text, never OCR data */
  illegible: {
    optimistic: (row) => ({ ...reviewed(row, 'illegible'), text: '' }),
    send: (a) => api.call('plates.illegible', { id: a.plateId }),
    advance: true
  },
  box: {
    optimistic: (row, a) => ({ ...row, box: a.box }),
    send: (a) => api.call('plates.setBox', { id: a.plateId, box: a.box }),
    advance: false
  },
  corners: {
    optimistic: (row, a) => ({ ...row, corners: a.corners }),
    send: (a) => api.call('plates.setCorners', { id: a.plateId, corners: a.corners }),
    advance: false
  }
}

export function actionSpec<A extends ReviewAction>(a: A): ActionSpec<A> {
  return ACTIONS[a.kind] as unknown as ActionSpec<A>
}
