// Pascal VOC dataset: JPEGImages/X.jpg, Annotations/X.xml (one per image; object name `license-plate`
// like the fixtures, plate text in <text>), ImageSets/Main/{train,val,test}.txt by the source split.
import { writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ExportOptions } from '../../shared/types'
import { countSelectedPlates, iterateExportFrames, type Db, type ExportFrame, type ExportLabel } from '../db/training-reader'
import {
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
  fmt,
  frameStem,
  isConflict,
  type ExportDir,
  planSplits,
  type ExportHooks,
  type ExportResult,
  type Split
} from './common'

export const VOC_CLASS = 'license-plate'

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

export function vocXml(frame: ExportFrame, fileName: string, labels: ExportLabel[]): string {
  const objects = labels
    .map((l) => {
      const b = clipBox(l.box, frame.width, frame.height)
      if (!b) return ''
      return [
        '  <object>',
        `    <name>${VOC_CLASS}</name>`,
        '    <pose>Unspecified</pose>',
        '    <truncated>0</truncated>',
        '    <difficult>0</difficult>',
        `    <text>${xmlEscape(l.text)}</text>`,
        l.region ? `    <region>${xmlEscape(l.region)}</region>` : null,
        `    <review_state>${l.reviewState}</review_state>`,
        `    <plate_id>${l.plateId}</plate_id>`,
        '    <bndbox>',
        `      <xmin>${fmt(b.x1)}</xmin>`,
        `      <ymin>${fmt(b.y1)}</ymin>`,
        `      <xmax>${fmt(b.x2)}</xmax>`,
        `      <ymax>${fmt(b.y2)}</ymax>`,
        '    </bndbox>',
        '  </object>'
      ]
        .filter((x) => x != null)
        .join('\n')
    })
    .filter(Boolean)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<annotation>',
    '  <folder>JPEGImages</folder>',
    `  <filename>${xmlEscape(fileName)}</filename>`,
    `  <path>${xmlEscape(frame.mediaPath)}</path>`,
    '  <source>',
    '    <database>PlateDesk</database>',
    `    <media_id>${frame.mediaId}</media_id>`,
    `    <frame_idx>${frame.frameIdx}</frame_idx>`,
    '  </source>',
    '  <size>',
    `    <width>${frame.width}</width>`,
    `    <height>${frame.height}</height>`,
    '    <depth>3</depth>',
    '  </size>',
    '  <segmented>0</segmented>',
    ...objects,
    '</annotation>',
    ''
  ].join('\n')
}

export async function exportVoc(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks = {}): Promise<ExportResult> {
  const out = target.dir
  await target.mkdir('JPEGImages')
  await target.mkdir('Annotations')
  await target.mkdir('ImageSets', 'Main')
  const total = countSelectedPlates(db, opts)
  const source = new FrameSource(db)
  const result: ExportResult = { format: 'voc', outDir: out, images: 0, labels: 0, total, failures: [], files: ['Annotations', 'JPEGImages', 'ImageSets/Main'], leftOut: emptyLeftOut() }
  const splitFor = planSplits(exportedSources(db, opts, (f) => detectionFrame(f)), opts.split)
  const lists = Object.fromEntries(SPLITS.map((s) => [s, new TextWriter(target.claim(join(out, 'ImageSets', 'Main', `${s}.txt`)))])) as Record<Split, TextWriter>
  let done = 0
  hooks.onProgress?.({ done, total })
  try {
    await forEachConcurrent(iterateExportFrames(db, opts), EXPORT_CONCURRENCY, async (frame) => {
      checkAbort(hooks.signal)
      if (!detectionFrame(frame, result.leftOut)) {
        done += frame.platesDone
        return
      }
      const stem = frameStem(frame)
      try {
        const file = await source.writeFrame(frame, join(out, 'JPEGImages', stem), target.claim)
        await writeFile(target.claim(join(out, 'Annotations', `${stem}.xml`)), vocXml(frame, basename(file), frame.labels))
        await lists[splitFor(frame.sha256)].write(`${stem}\n`)
        result.images++
        result.labels += frame.labels.filter((l) => clipBox(l.box, frame.width, frame.height)).length
      } catch (err) {
        if (isConflict(err)) throw err // a user's file in the way stops the export
        result.failures.push({ path: frame.mediaPath, error: errorMessage(err) })
      }
      done += frame.platesDone
      hooks.onProgress?.({ done, total })
    })
  } finally {
    for (const w of Object.values(lists)) await w.close()
  }
  hooks.onProgress?.({ done: total, total })
  return result
}
