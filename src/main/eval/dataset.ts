// `eval DIR`: run the engine on every labelled image of a folder and score it against the labels.
// Detection: greedy IoU matching at 0.5 → precision / recall. Text (over labelled plates that have text;
// illegible ones excluded): end to end, a missed plate counts as read "" (exact false, char accuracy 0);
// `recognized*` is the same over the detected plates only (the OCR's own accuracy).
import { resolve } from 'node:path'
import type { Engine } from '../engine/types'
import { singleLine } from '../../shared/plate-text'
import { findGroundTruth, relPath, type FindResult, type GtImage } from './ground-truth'
import { DetectionStats, IOU_THRESHOLD, TextStats, matchBoxes, timingSummary, type ConfusionPair, type DetectionSummary, type TimingSummary } from './metrics'

export interface DatasetImageResult {
  file: string
  labelled: number
  predicted: number
  truePositives: number
  falsePositives: number
  falseNegatives: number
  /** labelled text vs what was read ('' = missed), only where they differ */
  misreads: { truth: string; read: string }[]
  totalMs: number
}

export interface DatasetEvalReport {
  root: string
  images: number
  labelledPlates: number
  iouThreshold: number
  detection: DetectionSummary
  text: {
    /** labelled plates with text (end-to-end denominator) */
    plates: number
    exactAccuracy: number
    charAccuracy: number
    /** of those, the ones the detector found */
    recognizedPlates: number
    recognizedExactAccuracy: number
    recognizedCharAccuracy: number
  }
  confusion: ConfusionPair[]
  timings: {
    /** engine time per image (decode + detect + OCR), as the engine reports it */
    engine: TimingSummary
    decodeMeanMs: number
    detectMeanMs: number
    ocrMeanMs: number
    /** elapsed wall time / images, with the given concurrency */
    wallMsPerImage: number
    wallMs: number
    concurrency: number
  }
  failures: { path: string; error: string }[]
  perImage: DatasetImageResult[]
}

export interface DatasetEvalOptions {
  /** images in flight at once (give the engine's worker count) */
  concurrency?: number
  iouThreshold?: number
  onImage?: (done: number, total: number, file: string) => void
  /** the labels, when the caller already looked them up (findGroundTruth(root)) */
  groundTruth?: FindResult
}

export async function evaluateDataset(root: string, engine: Pick<Engine, 'recognizeFile'>, opts: DatasetEvalOptions = {}): Promise<DatasetEvalReport> {
  const absRoot = resolve(root)
  const found = opts.groundTruth ?? (await findGroundTruth(absRoot))
  const threshold = opts.iouThreshold ?? IOU_THRESHOLD
  const det = new DetectionStats()
  const e2e = new TextStats()
  const ocr = new TextStats()
  const totals: number[] = []
  const stage = { decode: 0, detect: 0, ocr: 0 }
  const failures = [...found.errors]
  const perImage: (DatasetImageResult | null)[] = new Array(found.images.length).fill(null)
  let next = 0
  let done = 0
  const started = performance.now()

  const score = (gt: GtImage, idx: number, rec: Awaited<ReturnType<Engine['recognizeFile']>>): void => {
    const preds = rec.plates
    const m = matchBoxes(
      gt.plates.map((p) => p.box),
      preds.map((p) => p.detection.box),
      threshold
    )
    det.addMatch(m)
    const byGt = new Map(m.matches.map((x) => [x.gt, x.pred]))
    const misreads: { truth: string; read: string }[] = []
    gt.plates.forEach((p, gi) => {
      if (!p.text) return
      const pi = byGt.get(gi)
      // characters are scored, not the layout: a two-row label matches a read without the row break
      const truth = singleLine(p.text)
      const read = pi == null ? '' : singleLine(preds[pi].read?.text ?? '')
      e2e.add(truth, read)
      if (pi != null) ocr.add(truth, read)
      if (read !== truth) misreads.push({ truth, read })
    })
    totals.push(rec.timings.totalMs)
    stage.decode += rec.timings.decodeMs
    stage.detect += rec.timings.detectMs
    stage.ocr += rec.timings.ocrMs
    perImage[idx] = {
      file: relPath(absRoot, gt.image),
      labelled: gt.plates.length,
      predicted: preds.length,
      truePositives: m.matches.length,
      falsePositives: m.unmatchedPred.length,
      falseNegatives: m.unmatchedGt.length,
      misreads,
      totalMs: rec.timings.totalMs
    }
  }

  const worker = async (): Promise<void> => {
    for (;;) {
      const idx = next++
      if (idx >= found.images.length) return
      const gt = found.images[idx]
      try {
        score(gt, idx, await engine.recognizeFile(gt.image))
      } catch (err) {
        failures.push({ path: gt.image, error: err instanceof Error ? err.message : String(err) })
      }
      opts.onImage?.(++done, found.images.length, gt.image)
    }
  }
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2))
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, found.images.length)) }, worker))
  const wallMs = performance.now() - started
  const n = totals.length
  return {
    root: absRoot,
    images: n,
    labelledPlates: found.images.filter((_, i) => perImage[i]).reduce((a, g) => a + g.plates.length, 0),
    iouThreshold: threshold,
    detection: det.summary(),
    text: {
      plates: e2e.count,
      exactAccuracy: e2e.exactAccuracy,
      charAccuracy: e2e.charAccuracy,
      recognizedPlates: ocr.count,
      recognizedExactAccuracy: ocr.exactAccuracy,
      recognizedCharAccuracy: ocr.charAccuracy
    },
    confusion: e2e.confusionPairs(30),
    timings: {
      engine: timingSummary(totals),
      decodeMeanMs: n ? stage.decode / n : 0,
      detectMeanMs: n ? stage.detect / n : 0,
      ocrMeanMs: n ? stage.ocr / n : 0,
      wallMsPerImage: n ? wallMs / n : 0,
      wallMs,
      concurrency
    },
    failures,
    perImage: perImage.filter((x): x is DatasetImageResult => x != null)
  }
}

const pct = (v: number): string => v.toFixed(3)

/** The human-readable summary printed by `platedesk eval DIR`. */
export function formatDatasetReport(r: DatasetEvalReport): string {
  const d = r.detection
  const t = r.text
  const lines = [
    `eval ${r.root}: ${r.images} images, ${r.labelledPlates} labelled plates (${t.plates} with text)`,
    `detection  precision ${pct(d.precision)}  recall ${pct(d.recall)}  (TP ${d.truePositives}, FP ${d.falsePositives}, FN ${d.falseNegatives}) at IoU ${r.iouThreshold}`,
    `text       exact ${pct(t.exactAccuracy)}  char ${pct(t.charAccuracy)}  over ${t.plates} plates with text (missed = wrong)`,
    `           exact ${pct(t.recognizedExactAccuracy)}  char ${pct(t.recognizedCharAccuracy)}  over the ${t.recognizedPlates} detected`,
    `time       mean ${r.timings.engine.meanMs.toFixed(1)} ms/image in the engine (decode ${r.timings.decodeMeanMs.toFixed(1)}, detect ${r.timings.detectMeanMs.toFixed(1)}, ocr ${r.timings.ocrMeanMs.toFixed(1)}; median ${r.timings.engine.medianMs.toFixed(1)}, p95 ${r.timings.engine.p95Ms.toFixed(1)}); wall ${r.timings.wallMsPerImage.toFixed(1)} ms/image at concurrency ${r.timings.concurrency}`
  ]
  if (r.confusion.length) {
    lines.push(`confusions ${r.confusion.slice(0, 12).map((c) => `${c.truth || '∅'}→${c.read || '∅'}×${c.count}`).join('  ')}`)
  }
  for (const f of r.failures) lines.push(`failed     ${f.path}: ${f.error}`)
  return lines.join('\n')
}
