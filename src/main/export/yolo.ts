// YOLO detection dataset (Ultralytics layout): images/{train,val,test}/X.jpg, labels/{train,val,test}/X.txt
// with `0 cx cy w h` normalised to the frame, and data.yaml. The split is by source media (hash of its
// sha256), so frames of one video never straddle splits.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Box, ExportOptions } from '../../shared/types'
import type { Quad } from '../../shared/geometry'
import { countSelectedPlates, iterateExportFrames, type Db } from '../db/training-reader'
import {
  PLATE_CLASS,
  SPLITS,
  FrameSource,
  TextWriter,
  EXPORT_CONCURRENCY,
  checkAbort,
  forEachConcurrent,
  clipBox,
  detectionFrame,
  emptyLeftOut,
  errorMessage,
  exportedSources,
  frameStem,
  isConflict,
  type ExportDir,
  planSplits,
  type ExportHooks,
  type ExportResult
} from './common'

const f6 = (v: number): string => Math.max(0, Math.min(1, v)).toFixed(6)

/**
 * One label row. box: `0 cx cy w h`. pose (Ultralytics keypoints): the box then each corner `x y 2`, or
 * `0 0 0` (not labelled) for a plate without corners. obb (Ultralytics oriented boxes): `0 x1 y1 … x4 y4`,
 * the corners, or the box's own corners when the plate has none. All normalised to the frame.
 */
export function yoloLine(kind: 'box' | 'pose' | 'obb', cx: number, cy: number, w: number, h: number, corners: Quad | null, b: Box, fw: number, fh: number): string {
  const box = `${f6(cx)} ${f6(cy)} ${f6(w)} ${f6(h)}`
  if (kind === 'box') return `0 ${box}`
  if (kind === 'pose') {
    const kp = corners ? corners.map(([x, y]) => `${f6(x / fw)} ${f6(y / fh)} 2`) : Array(4).fill('0.000000 0.000000 0')
    return `0 ${box} ${kp.join(' ')}`
  }
  const q: Quad = corners ?? [
    [b.x1, b.y1],
    [b.x2, b.y1],
    [b.x2, b.y2],
    [b.x1, b.y2]
  ]
  return `0 ${q.map(([x, y]) => `${f6(x / fw)} ${f6(y / fh)}`).join(' ')}`
}

export async function exportYolo(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks = {}): Promise<ExportResult> {
  const out = target.dir
  for (const s of SPLITS) {
    await target.mkdir('images', s)
    await target.mkdir('labels', s)
  }
  const total = countSelectedPlates(db, opts)
  const source = new FrameSource(db)
  const result: ExportResult = { format: 'yolo', outDir: out, images: 0, labels: 0, total, failures: [], files: ['data.yaml'], leftOut: emptyLeftOut() }
  const splitFor = planSplits(exportedSources(db, opts, (f) => detectionFrame(f)), opts.split)
  let done = 0
  hooks.onProgress?.({ done, total })
  await forEachConcurrent(iterateExportFrames(db, opts), EXPORT_CONCURRENCY, async (frame) => {
    checkAbort(hooks.signal)
    if (!detectionFrame(frame, result.leftOut)) {
      done += frame.platesDone
      return
    }
    const split = splitFor(frame.sha256)
    const stem = frameStem(frame)
    try {
      const lines: string[] = []
      for (const l of frame.labels) {
        const b = clipBox(l.box, frame.width, frame.height)
        if (!b) continue
        const cx = (b.x1 + b.x2) / 2 / frame.width
        const cy = (b.y1 + b.y2) / 2 / frame.height
        const w = (b.x2 - b.x1) / frame.width
        const h = (b.y2 - b.y1) / frame.height
        lines.push(yoloLine(opts.yoloLabels ?? 'box', cx, cy, w, h, l.corners, b, frame.width, frame.height))
      }
      await source.writeFrame(frame, join(out, 'images', split, stem), target.claim)
      // the label file is written after its image, so a failed image leaves no orphan label
      await writeFile(target.claim(join(out, 'labels', split, `${stem}.txt`)), lines.length ? lines.join('\n') + '\n' : '')
      result.images++
      result.labels += lines.length
    } catch (err) {
      if (isConflict(err)) throw err // a user's file in the way stops the export
      result.failures.push({ path: frame.mediaPath, error: errorMessage(err) })
    }
    done += frame.platesDone
    hooks.onProgress?.({ done, total })
  })
  const yaml = new TextWriter(target.claim(join(out, 'data.yaml')))
  await yaml.write(
    [
      `# YOLO dataset exported by PlateDesk (${new Date().toISOString()})`,
      `path: ${JSON.stringify(out)}`,
      'train: images/train',
      'val: images/val',
      'test: images/test',
      'nc: 1',
      'names:',
      `  0: ${PLATE_CLASS}`,
      // pose: the corners TL, TR, BR, BL (x, y, visibility); a horizontal flip swaps left and right
      ...(opts.yoloLabels === 'pose' ? ['kpt_shape: [4, 3]', 'flip_idx: [1, 0, 3, 2]'] : []),
      ''
    ].join('\n')
  )
  await yaml.close()
  hooks.onProgress?.({ done: total, total })
  return result
}

