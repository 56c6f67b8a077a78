// `eval --db`: how good were the model's outputs, judged by the review? Per frame, the reviewed plates
// (confirmed, corrected, manual) are the truth; the model's plates (their detector box and model read)
// are the predictions. Greedy IoU matching at 0.5 decides detection hits:
//   - a matched pair is a true positive, and its model read is compared with the reviewed text;
//   - a reviewed plate nobody predicted (manual, or a box moved far from the detector's) is a false negative;
//   - a rejected model plate is a false positive, as is a reviewed one whose detector box matched nothing;
//   - unreviewed model plates take part in matching (a model run after a label import) but are never
//     counted as false positives: nobody has judged them.
// Text metrics cover matched pairs whose reviewed text is not empty: exact match, character accuracy
// (1 - edit distance / length), confusion pairs, and exact accuracy by region and by source folder.
import type { EvalReport } from '../../shared/types'
import { iterateEvalFrames, type Db, type EvalPlateRow } from '../db/training-reader'
import { DetectionStats, IOU_THRESHOLD, TextStats, matchBoxes } from './metrics'

// illegible plates are real plates (detection truth) without text (skipped by the text metrics below)
const TRUTH_STATES = new Set(['confirmed', 'corrected', 'manual', 'illegible'])

export interface LibraryEvalState {
  det: DetectionStats
  text: TextStats
}

export function evaluateFrame(rows: EvalPlateRow[], s: LibraryEvalState, threshold = IOU_THRESHOLD): void {
  const truth = rows.filter((r) => TRUTH_STATES.has(r.reviewState))
  const preds = rows.filter((r) => r.detBox && r.reviewState !== 'rejected')
  for (const r of rows) if (r.detBox && r.reviewState === 'rejected') s.det.fp++
  const m = matchBoxes(
    truth.map((t) => t.box),
    preds.map((p) => p.detBox!),
    threshold
  )
  s.det.tp += m.matches.length
  s.det.fn += m.unmatchedGt.length
  for (const i of m.unmatchedPred) if (preds[i].reviewState !== 'unreviewed') s.det.fp++
  for (const { gt, pred } of m.matches) {
    const t = truth[gt]
    const p = preds[pred]
    if (!t.text) continue
    s.text.add(t.text, p.modelText ?? '', { region: t.region ?? p.region ?? '(none)', source: t.folder })
  }
}

export function reportOf(s: LibraryEvalState): EvalReport {
  return {
    plates: s.text.count,
    exactAccuracy: s.text.exactAccuracy,
    charAccuracy: s.text.charAccuracy,
    detection: s.det.summary(),
    confusion: s.text.confusionPairs(50),
    byRegion: s.text.group('region'),
    bySource: s.text.group('source')
  }
}

/** Synchronous evaluation of the whole library (pages through it; memory does not grow with its size). */
export function evaluateLibrary(db: Db): EvalReport {
  const s: LibraryEvalState = { det: new DetectionStats(), text: new TextStats() }
  for (const frame of iterateEvalFrames(db)) evaluateFrame(frame, s)
  return reportOf(s)
}

/** The same, yielding to the event loop between pages of frames so a UI backend stays responsive. */
export async function evaluateLibraryAsync(db: Db): Promise<EvalReport> {
  const s: LibraryEvalState = { det: new DetectionStats(), text: new TextStats() }
  let n = 0
  for (const frame of iterateEvalFrames(db)) {
    evaluateFrame(frame, s)
    if (++n % 2000 === 0) await new Promise<void>((r) => setImmediate(r))
  }
  return reportOf(s)
}
