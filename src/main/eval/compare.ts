// Compare recognisers on what reviewers decided (`eval --db FILE --recognizer A,B`, the Evaluate screen):
// every reviewed plate with text (confirmed, corrected, hand-drawn; a video track at its best frame) is
// cut from its frame at the reviewed box, with the engine's usual OCR margin, and read by each model as a
// plate crop. The reviewed text is the truth: exact-plate and character accuracy side by side, by region
// and by source folder, and the plates the models read differently. Reading from the reviewed box keeps
// the detector out of it: the comparison is of the recognisers alone.
import sharp from 'sharp'
import type { ModelComparison, ModelDisagreement } from '../../shared/types'
import { ROW_BREAK, singleLine } from '../../shared/plate-text'
import { iterateExportFrames, type Db, type ExportFrame } from '../db/training-reader'
import type { Engine } from '../engine/types'
import { DEFAULT_PAD_X, DEFAULT_PAD_Y } from '../engine/recognizer'
import { expandBox } from '../engine/preprocess'
import { getModel } from '../engine/models'
import { FrameSource, errorMessage, forEachConcurrent } from '../export/common'
import { TextStats } from './metrics'

export interface CompareOptions {
  /** recogniser ids (a 'a+b' chain counts as one) */
  recognizers: string[]
  /** disagreements listed (default 200; the count covers them all) */
  limit?: number
  /** frames decoded at once (default 4) */
  concurrency?: number
  onProgress?: (done: number, total: number) => void
  signal?: AbortSignal
}

/** Splits 'a,b' into recogniser ids and checks each (and each part of an 'a+b' chain) is a known recogniser. */
export function recognizerList(arg: string): string[] {
  const ids = arg.split(',').map((s) => s.trim()).filter(Boolean)
  if (!ids.length) throw Object.assign(new Error('--recognizer: name one or more recognisers, e.g. cct-xs-v2-global,my-model'), { code: 'invalid-request' })
  for (const id of ids) {
    for (const part of id.split('+')) {
      let task: string
      try {
        task = getModel(part).task
      } catch (err) {
        throw Object.assign(new Error((err as Error).message), { code: 'invalid-request' })
      }
      if (task !== 'recognizer') throw Object.assign(new Error(`${part} is a ${task}, not a recogniser`), { code: 'invalid-request' })
    }
  }
  if (new Set(ids).size !== ids.length) throw Object.assign(new Error(`--recognizer: ${arg} names a model twice`), { code: 'invalid-request' })
  return ids
}

/** The read as scored: one line unless the truth has rows (as TextStats does). */
const scored = (truth: string, read: string): string => (truth.includes(ROW_BREAK) ? read : singleLine(read))

export async function compareRecognizers(db: Db, engine: Engine, opts: CompareOptions): Promise<ModelComparison> {
  const ids = opts.recognizers
  if (!ids.length) throw Object.assign(new Error('name at least one recogniser to evaluate'), { code: 'invalid-request' })
  const limit = opts.limit ?? 200
  const stats = ids.map(() => new TextStats())
  const groups = { region: new Map<string, number[]>(), source: new Map<string, number[]>() }
  const disagreements: ModelDisagreement[] = []
  let disagreementCount = 0
  const failures: { path: string; error: string }[] = []
  const source = new FrameSource(db)
  const frames: ExportFrame[] = []
  // reviewed plates only; a track once, at its best frame; the labels with text are the truth
  for (const f of iterateExportFrames(db, { videoFrames: 'best' })) {
    if (f.labels.some((l) => l.primary && l.text && l.reviewState !== 'illegible')) frames.push(f)
  }
  let done = 0
  opts.onProgress?.(0, frames.length)
  await forEachConcurrent(frames, opts.concurrency ?? 4, async (frame) => {
    if (opts.signal?.aborted) throw new Error('evaluation cancelled')
    try {
      const px = await source.decode(frame)
      const sx = px.width / frame.width
      const sy = px.height / frame.height
      for (const l of frame.labels) {
        if (!l.primary || !l.text || l.reviewState === 'illegible') continue
        const box = expandBox({ x1: l.box.x1 * sx, y1: l.box.y1 * sy, x2: l.box.x2 * sx, y2: l.box.y2 * sy }, DEFAULT_PAD_X, DEFAULT_PAD_Y, px.width, px.height)
        const left = Math.floor(box.x1)
        const top = Math.floor(box.y1)
        const width = Math.min(px.width, Math.ceil(box.x2)) - left
        const height = Math.min(px.height, Math.ceil(box.y2)) - top
        if (width < 2 || height < 2) continue
        const crop = await sharp(px.data, { raw: { width: px.width, height: px.height, channels: 3 } })
          .extract({ left, top, width, height })
          .raw()
          .toBuffer()
        const reads: string[] = []
        for (const id of ids) {
          const rec = await engine.recognizeRaw({ data: new Uint8Array(crop), width, height, channels: 3 }, { crop: true, recognizerId: id })
          reads.push(scored(l.text, rec.plates[0]?.read?.text ?? ''))
        }
        const region = l.region || '(none)'
        reads.forEach((r, i) => stats[i]!.add(l.text, r))
        for (const [g, key] of [
          ['region', region],
          ['source', frame.folder]
        ] as const) {
          const row = groups[g].get(key) ?? [0, ...ids.map(() => 0)]
          row[0]!++
          reads.forEach((r, i) => (row[i + 1]! += r === l.text ? 1 : 0))
          groups[g].set(key, row)
        }
        if (new Set(reads).size > 1) {
          disagreementCount++
          if (disagreements.length < limit) {
            disagreements.push({
              plateId: l.plateId,
              mediaId: frame.mediaId,
              frameIdx: frame.frameIdx,
              mediaPath: frame.mediaPath,
              box: l.box,
              truth: l.text,
              region: l.region,
              source: frame.folder,
              reads
            })
          }
        }
      }
    } catch (err) {
      failures.push({ path: frame.mediaPath, error: errorMessage(err) })
    }
    opts.onProgress?.(++done, frames.length)
  })
  const table = (m: Map<string, number[]>) =>
    [...m.entries()]
      .map(([key, [n, ...exact]]) => ({ key, plates: n!, exactAccuracy: exact.map((e) => (n ? e / n! : 0)) }))
      .sort((a, b) => b.plates - a.plates || a.key.localeCompare(b.key))
  disagreements.sort((a, b) => a.plateId - b.plateId)
  return {
    plates: stats[0]!.count,
    models: ids.map((id, i) => ({ id, exact: stats[i]!.exact, exactAccuracy: stats[i]!.exactAccuracy, charAccuracy: stats[i]!.charAccuracy })),
    byRegion: table(groups.region),
    bySource: table(groups.source),
    disagreements,
    disagreementCount,
    failures
  }
}

const f3 = (v: number): string => v.toFixed(3)

/** The comparison as the CLI prints it: one column per model. */
export function formatComparison(file: string, r: ModelComparison): string {
  const idW = Math.max(12, ...r.models.map((m) => m.id.length))
  const col = (s: string): string => s.padEnd(idW + 2)
  const lines = [
    `compare ${file}: ${r.plates} reviewed plates with text, each read from its reviewed box by every model`,
    `${''.padEnd(14)}${r.models.map((m) => col(m.id)).join('')}`,
    `${'exact'.padEnd(14)}${r.models.map((m) => col(`${f3(m.exactAccuracy)} (${m.exact}/${r.plates})`)).join('')}`,
    `${'char'.padEnd(14)}${r.models.map((m) => col(f3(m.charAccuracy))).join('')}`
  ]
  for (const [name, rows] of [
    ['region', r.byRegion],
    ['source', r.bySource]
  ] as const) {
    for (const g of rows) lines.push(`${`by ${name}`.padEnd(14)}${g.exactAccuracy.map((a) => col(f3(a))).join('')}${g.key} (${g.plates})`)
  }
  lines.push(`disagreements: ${r.disagreementCount}${r.disagreementCount > r.disagreements.length ? ` (first ${r.disagreements.length})` : ''}`)
  for (const d of r.disagreements) {
    const show = (s: string): string => singleLine(s) || '∅'
    lines.push(`  ${show(d.truth).padEnd(12)}${r.models.map((m, i) => `${m.id}: ${show(d.reads[i] ?? '')}`).join('   ')}   (plate ${d.plateId}, ${d.mediaPath})`)
  }
  for (const f of r.failures) lines.push(`failed: ${f.path}: ${f.error}`)
  return lines.join('\n')
}
