// COCO detection dataset: images/X.jpg and one annotations.json with images, annotations (bbox [x, y, w, h]
// in pixels; the plate text and review facts in `attributes`, as CVAT writes them) and categories.
// A plate with corners also gets them as its segmentation polygon and as 4 COCO keypoints (TL, TR, BR, BL,
// the category's `keypoints`), so keypoint/pose trainers read the quadrilateral unchanged.
// Streamed: images and annotations go to two part files while frames are written, and are joined into
// the final JSON at the end, so memory never holds the whole list.
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ExportOptions } from '../../shared/types'
import { countSelectedPlates, iterateExportFrames, type Db } from '../db/training-reader'
import {
  PLATE_CLASS,
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

/** The keypoint names of a plate's corners, in the order the library stores them. */
export const COCO_CORNER_NAMES = ['top_left', 'top_right', 'bottom_right', 'bottom_left']

const r2 = (n: number): number => Math.round(n * 100) / 100

export async function exportCoco(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks = {}): Promise<ExportResult> {
  const out = target.dir
  await target.mkdir('images')
  const total = countSelectedPlates(db, opts)
  const source = new FrameSource(db)
  const result: ExportResult = { format: 'coco', outDir: out, images: 0, labels: 0, total, failures: [], files: ['annotations.json'], leftOut: emptyLeftOut() }
  const splitFor = planSplits(exportedSources(db, opts, (f) => detectionFrame(f)), opts.split)
  const imagesPart = new TextWriter(target.claim(join(out, '.images.part')))
  const annPart = new TextWriter(target.claim(join(out, '.annotations.part')))
  let imageId = 0
  let annId = 0
  let done = 0
  hooks.onProgress?.({ done, total })
  try {
    await forEachConcurrent(iterateExportFrames(db, opts), EXPORT_CONCURRENCY, async (frame) => {
      checkAbort(hooks.signal)
      if (!detectionFrame(frame, result.leftOut)) {
        done += frame.platesDone
        return
      }
      try {
        const file = await source.writeFrame(frame, join(out, 'images', frameStem(frame)), target.claim)
        // ids are taken right after the await, so concurrent frames never share one
        const myImageId = ++imageId
        const image = {
          id: myImageId,
          file_name: basename(file),
          width: frame.width,
          height: frame.height,
          media_id: frame.mediaId,
          frame_idx: frame.frameIdx,
          time_s: frame.timeS,
          source: frame.mediaPath,
          split: splitFor(frame.sha256)
        }
        await imagesPart.write((myImageId > 1 ? ',\n' : '') + JSON.stringify(image))
        for (const l of frame.labels) {
          const b = clipBox(l.box, frame.width, frame.height)
          if (!b) continue
          const myAnnId = ++annId
          const w = b.x2 - b.x1
          const h = b.y2 - b.y1
          const ann = {
            id: myAnnId,
            image_id: myImageId,
            category_id: 1,
            bbox: [r2(b.x1), r2(b.y1), r2(w), r2(h)],
            area: r2(w * h),
            iscrowd: 0,
            segmentation: l.corners ? [l.corners.flatMap(([x, y]) => [r2(x), r2(y)])] : [],
            ...(l.corners ? { keypoints: l.corners.flatMap(([x, y]) => [r2(x), r2(y), 2]), num_keypoints: 4 } : {}),
            attributes: { text: l.text, region: l.region, review_state: l.reviewState, confidence: l.confidence, plate_id: l.plateId, track_id: l.trackId }
          }
          await annPart.write((myAnnId > 1 ? ',\n' : '') + JSON.stringify(ann))
          result.labels++
        }
        result.images++
      } catch (err) {
        if (isConflict(err)) throw err // a user's file in the way stops the export
        result.failures.push({ path: frame.mediaPath, error: errorMessage(err) })
      }
      done += frame.platesDone
      hooks.onProgress?.({ done, total })
    })
  } finally {
    await imagesPart.close()
    await annPart.close()
  }
  const json = new TextWriter(target.claim(join(out, 'annotations.json')))
  const info = { description: 'License plates exported by PlateDesk', date_created: new Date().toISOString(), version: '1.0' }
  await json.write(`{\n"info": ${JSON.stringify(info)},\n"licenses": [],\n"categories": [${JSON.stringify({ id: 1, name: PLATE_CLASS, supercategory: 'vehicle', keypoints: COCO_CORNER_NAMES, skeleton: [[1, 2], [2, 3], [3, 4], [4, 1]] })}],\n"images": [\n`)
  await pipeInto(join(out, '.images.part'), json)
  await json.write('\n],\n"annotations": [\n')
  await pipeInto(join(out, '.annotations.part'), json)
  await json.write('\n]\n}\n')
  await json.close()
  await rm(join(out, '.images.part'), { force: true })
  await rm(join(out, '.annotations.part'), { force: true })
  hooks.onProgress?.({ done: total, total })
  return result
}

async function pipeInto(file: string, w: TextWriter): Promise<void> {
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) await w.write(chunk as string)
}
