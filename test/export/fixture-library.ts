// Test fixture: a real library (openLibrary, migrations applied; a file, or a server library given as `target`) holding the romania-dashcam images
// with their plates.tsv plates in every review state, and clip.mp4 with tracks. Rows are inserted with
// plain SQL so the tests do not depend on the importer or the engine.
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLibrary, writeTransaction, type Library } from '../../src/main/db/index'
import type { Box, ReviewState } from '../../src/shared/types'

export interface FixturePlate {
  image: string
  box: Box
  text: string
}

export function readPlatesTsv(fixtures: string): FixturePlate[] {
  const lines = readFileSync(join(fixtures, 'plates.tsv'), 'utf8').trim().split('\n').slice(1)
  return lines.map((l) => {
    const [image, x1, y1, x2, y2, text] = l.split('\t')
    return { image, box: { x1: +x1, y1: +y1, x2: +x2, y2: +y2 }, text: text ?? '' }
  })
}

/** The state each tsv row gets, by row index (plates without text become box-only manual plates). */
export const STATE_CYCLE: { state: ReviewState; confidence: number }[] = [
  { state: 'confirmed', confidence: 0.97 },
  { state: 'corrected', confidence: 0.62 },
  { state: 'manual', confidence: 1 },
  { state: 'rejected', confidence: 0.41 },
  { state: 'unreviewed', confidence: 0.91 },
  { state: 'unreviewed', confidence: 0.3 }
]

/** A wrong read of `text`: the last character swapped for another one. */
export function misread(text: string): string {
  const last = text[text.length - 1]
  return text.slice(0, -1) + (last === '8' ? 'B' : '8')
}

export interface FixtureLibrary {
  dir: string
  file: string
  lib: Library
  videoMediaId: number | null
  missingMediaId: number | null
  close(): void
}

const now = '2026-01-01T00:00:00.000Z'

const newId = (row: unknown): number => (row as { id: number }).id

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

export interface BuildOptions {
  withVideo?: boolean
  /** a media whose file does not exist, with one confirmed plate */
  withMissing?: boolean
  /** where the library goes (a file path or a postgres:// URL of an empty database); default a new temp file */
  target?: string
}

export function buildFixtureLibrary(fixtures: string, opts: BuildOptions = {}): FixtureLibrary {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-export-'))
  const file = opts.target ?? join(dir, 'library.db')
  const lib = openLibrary(file)
  const db = lib.db
  const insMedia = db.prepare(`INSERT INTO media (path, folder, sha256, kind, size, width, height, duration_s, fps, status)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'done') RETURNING id`)
  const insFrame = db.prepare('INSERT INTO frames (media_id, idx, time_s, width, height) VALUES (?, ?, ?, ?, ?) RETURNING id')
  const insDet = db.prepare('INSERT INTO detections (frame_id, media_id, track_id, x1, y1, x2, y2, score, detector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id')
  const insRead = db.prepare(`INSERT INTO reads (detection_id, text, confidence, char_confidences, candidates, region, region_confidence, recognizer)
    VALUES (?, ?, ?, '[]', ?, ?, ?, 'cct_xs_v2_global')`)
  const insPlate = db.prepare(`INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text,
      confidence, region, review_state, reviewed_at, reviewed_by, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
  const insTrack = db.prepare(`INSERT INTO tracks (media_id, voted_text, vote_confidence, first_frame, last_frame, first_time_s, last_time_s, n_detections)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)

  const addPlate = (
    mediaId: number,
    frameId: number,
    box: Box,
    text: string,
    state: ReviewState,
    confidence: number,
    region: string | null,
    detBox: Box | null,
    trackId: number | null = null
  ): number => {
    let detId: number | null = null
    let modelText: string | null = null
    if (detBox && state !== 'manual') {
      modelText = state === 'corrected' ? misread(text) : text
      detId = newId(insDet.get(frameId, mediaId, trackId, detBox.x1, detBox.y1, detBox.x2, detBox.y2, confidence, 'yolo-v9-t'))
      insRead.run(detId, modelText, confidence, JSON.stringify([{ plate: modelText, confidence }]), region, region ? 0.8 : null)
    }
    const reviewed = state !== 'unreviewed'
    return newId(
      insPlate.get(mediaId, frameId, detId, trackId, box.x1, box.y1, box.x2, box.y2, text, modelText, confidence, region, state, reviewed ? now : null, reviewed ? 'test' : null, now)
    )
  }

  let videoMediaId: number | null = null
  let missingMediaId: number | null = null
  writeTransaction(db, () => {
    const rows = readPlatesTsv(fixtures)
    const mediaIds = new Map<string, { mediaId: number; frameId: number }>()
    rows.forEach((r, i) => {
      let m = mediaIds.get(r.image)
      if (!m) {
        const path = join(fixtures, r.image)
        const folder = mediaIds.size % 2 === 0 ? join(fixtures, 'images') : fixtures
        const mediaId = newId(insMedia.get(path, folder, sha(path), 'image', statSync(path).size, 1280, 720, null, null))
        const frameId = newId(insFrame.get(mediaId, 0, null, 1280, 720))
        mediaIds.set(r.image, (m = { mediaId, frameId }))
      }
      const cyc = STATE_CYCLE[i % STATE_CYCLE.length]
      const state: ReviewState = r.text ? cyc.state : 'manual'
      const detBox = { x1: r.box.x1 + 1.5, y1: r.box.y1 - 0.5, x2: r.box.x2 + 1, y2: r.box.y2 + 0.5 }
      addPlate(m.mediaId, m.frameId, r.box, r.text, state, state === 'manual' ? 1 : cyc.confidence, i % 3 === 0 ? 'ro' : null, detBox)
    })

    if (opts.withVideo) {
      const path = join(fixtures, 'clip.mp4')
      const mediaId = newId(insMedia.get(path, fixtures, sha(path), 'video', statSync(path).size, 1280, 720, 4, 8))
      videoMediaId = mediaId
      const frameIds: number[] = []
      for (let idx = 0; idx < 32; idx++) frameIds.push(newId(insFrame.get(mediaId, idx, idx / 8, 1280, 720)))
      const boxAt = (k: number, idx: number): Box => ({ x1: 100 + 200 * k + 5 * idx, y1: 400 + 3 * k, x2: 190 + 200 * k + 5 * idx, y2: 425 + 3 * k })
      // track: [first, last, best, text, state, confidence]
      const tracks: [number, number, number, string, ReviewState, number][] = [
        [0, 15, 7, 'B123ABC', 'confirmed', 0.93],
        [4, 12, 8, 'B99XYZ', 'rejected', 0.35],
        [10, 20, 15, 'CJ10XYZ', 'unreviewed', 0.95],
        [20, 31, 25, 'IF07KLM', 'corrected', 0.7]
      ]
      tracks.forEach(([first, last, best, text, state, confidence], k) => {
        const trackId = newId(insTrack.get(mediaId, text, confidence, first, last, first / 8, last / 8, last - first + 1))
        let bestDet = 0
        for (let idx = first; idx <= last; idx++) {
          const b = boxAt(k, idx)
          const d = newId(insDet.get(frameIds[idx], mediaId, trackId, b.x1, b.y1, b.x2, b.y2, confidence, 'yolo-v9-t'))
          if (idx === best) bestDet = d
        }
        db.prepare('UPDATE tracks SET best_detection_id = ? WHERE id = ?').run(bestDet, trackId)
        const modelText = state === 'corrected' ? misread(text) : text
        insRead.run(bestDet, modelText, confidence, '[]', null, null)
        // the reviewed box on the best frame is a little off the detector's, as after a box edit
        const bb = boxAt(k, best)
        const box = { x1: bb.x1 - 2, y1: bb.y1 - 1, x2: bb.x2 + 2, y2: bb.y2 + 1 }
        const reviewed = state !== 'unreviewed'
        insPlate.run(mediaId, frameIds[best], bestDet, trackId, box.x1, box.y1, box.x2, box.y2, text, modelText, confidence, null, state, reviewed ? now : null, reviewed ? 'test' : null, now)
      })
      // a hand-drawn plate on a video frame outside any track
      addPlate(mediaId, frameIds[3], { x1: 900, y1: 500, x2: 980, y2: 522 }, 'B55MAN', 'manual', 1, null, null)
    }

    if (opts.withMissing) {
      const path = join(fixtures, 'images', 'no-such-file.jpg')
      const mediaId = newId(insMedia.get(path, fixtures, 'f'.repeat(64), 'image', 1, 1280, 720, null, null))
      missingMediaId = mediaId
      const frameId = newId(insFrame.get(mediaId, 0, null, 1280, 720))
      addPlate(mediaId, frameId, { x1: 10, y1: 10, x2: 100, y2: 40 }, 'B00MIS', 'confirmed', 0.9, null, { x1: 10, y1: 10, x2: 100, y2: 40 })
    }
  })

  return {
    dir,
    file,
    lib,
    videoMediaId,
    missingMediaId,
    close() {
      lib.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
