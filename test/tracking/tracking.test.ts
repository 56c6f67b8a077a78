// Tracker and text vote on synthetic sequences whose right answer is known by construction.
import { describe, expect, it } from 'vitest'
import { iou, trackSequence, type TrackFrameInput } from '../../src/main/tracking/tracker'
import { bestIndex, groupReads, jaroWinkler, voteText } from '../../src/main/tracking/vote'
import type { BuildFrame } from '../../src/main/tracking/build'

const box = (x: number, y: number, w = 100, h = 40) => ({ x1: x, y1: y, x2: x + w, y2: y + h })

/** for each track, the set of labels of its detections */
function labelsOf(frames: TrackFrameInput[], labels: string[][], tracks: ReturnType<typeof trackSequence>): string[][] {
  return tracks.map((t) => [...new Set(t.members.map((m) => labels[m.frameIndex][m.detection]))].sort())
}

describe('tracker', () => {
  it('iou', () => {
    expect(iou(box(0, 0), box(0, 0))).toBe(1)
    expect(iou(box(0, 0), box(200, 0))).toBe(0)
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(50 / 150)
  })

  it('keeps identities of two plates crossing (motion alone, no text)', () => {
    const frames: TrackFrameInput[] = []
    const labels: string[][] = []
    for (let f = 0; f <= 20; f++) {
      const a = box(40 * f, 300)
      const b = box(800 - 40 * f, 306)
      // detection order alternates so index order cannot carry identity
      const dets = f % 2 ? [{ box: b, score: 0.9 }, { box: a, score: 0.9 }] : [{ box: a, score: 0.9 }, { box: b, score: 0.9 }]
      frames.push({ frame: f, detections: dets })
      labels.push(f % 2 ? ['B', 'A'] : ['A', 'B'])
    }
    const tracks = trackSequence(frames)
    expect(tracks).toHaveLength(2)
    expect(labelsOf(frames, labels, tracks)).toEqual([['A'], ['B']])
    expect(tracks.every((t) => t.members.length === 21)).toBe(true)
  })

  it('bridges a missed frame and a low-score detection into one track', () => {
    const frames: TrackFrameInput[] = []
    for (let f = 0; f < 10; f++) {
      if (f === 4 || f === 5) continue // two missed frames
      frames.push({ frame: f, detections: [{ box: box(100 + 15 * f, 200 + 2 * f), score: f === 7 ? 0.2 : 0.8 }] })
    }
    const tracks = trackSequence(frames)
    expect(tracks).toHaveLength(1)
    expect(tracks[0].members).toHaveLength(8)
  })

  it('separates a new plate appearing far away, and ends tracks after maxAge', () => {
    const frames: TrackFrameInput[] = [
      { frame: 0, detections: [{ box: box(100, 100), score: 0.9 }] },
      { frame: 1, detections: [{ box: box(105, 100), score: 0.9 }, { box: box(900, 500), score: 0.9 }] },
      // same place as the first plate but 20 frames later: a different sighting
      { frame: 21, detections: [{ box: box(110, 100), score: 0.9 }] }
    ]
    expect(trackSequence(frames, { maxAge: 3 })).toHaveLength(3)
  })

  it('re-associates by text when the box jumps (camera shake), and merges a re-appearing plate', () => {
    const frames: TrackFrameInput[] = [
      { frame: 0, detections: [{ box: box(100, 100), score: 0.9, text: 'B21GSB', confidence: 0.9 }] },
      { frame: 1, detections: [{ box: box(110, 100), score: 0.9, text: 'B21GSB', confidence: 0.9 }] },
      // jump: no overlap with the prediction, but the same text close by
      { frame: 2, detections: [{ box: box(260, 130), score: 0.9, text: 'B21G5B', confidence: 0.8 }] },
      { frame: 3, detections: [{ box: box(270, 130), score: 0.9, text: 'B21GSB', confidence: 0.9 }] },
      // gone for 8 frames (occlusion), comes back elsewhere with the same text
      { frame: 12, detections: [{ box: box(600, 300), score: 0.9, text: 'B21GSB', confidence: 0.9 }] },
      { frame: 13, detections: [{ box: box(610, 300), score: 0.9, text: 'CJ10ABC', confidence: 0.9 }] }
    ]
    const tracks = trackSequence(frames, { maxAge: 3 })
    expect(tracks.map((t) => t.members.length)).toEqual([5, 1])
  })
})

describe('vote', () => {
  it('jaro-winkler', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961, 3)
    expect(jaroWinkler('B21GSB', 'B21GSB')).toBe(1)
    expect(jaroWinkler('B21GSB', '')).toBe(0)
    expect(jaroWinkler('B21GSB', 'CJ99XYZ')).toBeLessThan(0.5)
  })

  it('votes noisy reads to the right text, character by character', () => {
    const reads = [
      { text: 'B21GSB', confidence: 0.9, weight: 0.9 },
      { text: 'B21G5B', confidence: 0.6, charConfidences: [0.9, 0.9, 0.9, 0.9, 0.3, 0.9], weight: 0.8 },
      { text: '821GSB', confidence: 0.6, charConfidences: [0.3, 0.9, 0.9, 0.9, 0.9, 0.9], weight: 0.8 },
      { text: 'B21GS', confidence: 0.5, weight: 0.5 }, // dropped a character
      { text: 'B21G5B', confidence: 0.5, weight: 0.7 },
      { text: 'XYZ', confidence: 0.4, weight: 0.3 } // another group, outvoted
    ]
    const v = voteText(reads)
    expect(v.text).toBe('B21GSB')
    expect(v.groups).toBe(2)
    // disagreement lowers the confidence below that of reads that all agree
    const clean = voteText([0, 1, 2].map(() => ({ text: 'B21GSB', confidence: 0.9, weight: 0.9 })))
    expect(clean.confidence).toBeCloseTo(0.9, 5)
    expect(v.confidence).toBeGreaterThan(0.1)
    expect(v.confidence).toBeLessThan(clean.confidence)
    // no single read says B21GSB with more votes than the errors: the per-position vote is what fixes it
    const v2 = voteText([
      { text: 'B21G5B', confidence: 0.8, charConfidences: [0.95, 0.95, 0.95, 0.95, 0.4, 0.95] },
      { text: '821GSB', confidence: 0.8, charConfidences: [0.4, 0.95, 0.95, 0.95, 0.95, 0.95] },
      { text: 'B2IGSB', confidence: 0.8, charConfidences: [0.95, 0.95, 0.4, 0.95, 0.95, 0.95] }
    ])
    expect(v2.text).toBe('B21GSB')
  })

  it('a stray low-confidence misread barely lowers a track that reads consistently', () => {
    const reads = [...Array(9)].map(() => ({ text: 'B21GSB', confidence: 0.999, weight: 0.85 }))
    reads.push({ text: 'B21GS8', confidence: 0.12, weight: 0.85 })
    const v = voteText(reads)
    expect(v.text).toBe('B21GSB')
    expect(v.confidence).toBeGreaterThan(0.98)
    // but a confident contradiction does
    reads.push({ text: 'B21GS8', confidence: 0.99, weight: 0.85 }, { text: 'B21GS8', confidence: 0.99, weight: 0.85 })
    expect(voteText(reads).confidence).toBeLessThan(0.85)
  })

  it('empty and single reads', () => {
    expect(voteText([])).toMatchObject({ text: '', confidence: 0 })
    expect(voteText([{ text: 'AB12CD', confidence: 0.7 }])).toMatchObject({ text: 'AB12CD', support: 1 })
    expect(groupReads([{ text: 'AB12CD', confidence: 1 }, { text: 'AB12CO', confidence: 1 }, { text: 'ZZ', confidence: 1 }])).toHaveLength(2)
  })

  it('best frame = highest detector x OCR confidence, a read beats no read', () => {
    expect(bestIndex([{ score: 0.9, confidence: 0.5 }, { score: 0.7, confidence: 0.9 }, { score: 0.99, confidence: null }])).toBe(1)
    expect(bestIndex([{ score: 0.3, confidence: null }, { score: 0.6, confidence: null }])).toBe(1)
  })
})

describe('tracking figures', () => {
  it('counts a fragment as a switch, a stray track as a false positive, and maps ids one to one', async () => {
    const { trackingFigures, assignMax } = await import('../../src/main/eval/tracking')
    const a = box(100, 100)
    const b = box(500, 100)
    const c = box(900, 400)
    const labels = [0, 1, 2, 3].map((f) => ({ frame: f, box: a, id: 'A' })).concat([0, 1].map((f) => ({ frame: f, box: b, id: 'B' })))
    const output = [
      ...[0, 1].map((f) => ({ frame: f, box: a, id: 1 })),
      ...[2, 3].map((f) => ({ frame: f, box: a, id: 2 })), // A fragmented
      ...[0, 1].map((f) => ({ frame: f, box: b, id: 3 })),
      { frame: 3, box: c, id: 4 }, // nothing there
      { frame: 2, box: b, id: null } // dropped detections do not count
    ]
    const r = trackingFigures(labels, output)
    expect(r).toMatchObject({ gt: 6, pred: 7, misses: 0, falsePositives: 1, idSwitches: 1, tracks: 4, gtTracks: 2 })
    expect(r.mota).toBeCloseTo(1 - 2 / 6, 6)
    expect(r.idf1).toBeCloseTo((2 * 4) / 13, 6)
    expect(r.trackPrecision).toBe(0.5)
    expect(r.trackRecall).toBe(1)
    // the best one-to-one assignment, not the greedy one (greedy takes 5 and leaves 1: total 6 < 4 + 4)
    expect(assignMax([[5, 4], [4, 0]])).toEqual([1, 0])
  })
})

describe('trackVideo', () => {
  it('gives the same tracks at 8 fps (each frame shown twice) as at 4 fps, brief glimpses dropped at both', async () => {
    const { trackVideo } = await import('../../src/main/tracking/build')
    const read = (text: string, confidence: number) => ({ text, confidence, charConfidences: [], region: null })
    // 8 source frames: a plate moving right in all, a glimpse of another in source frame 3 only
    const source = [...Array(8)].map((_, i) => [
      { box: box(100 + 30 * i, 300), score: 0.9, read: read('B21GSB', 0.95) },
      ...(i === 3 ? [{ box: box(900, 100), score: 0.8, read: read('X1', 0.05) }] : [])
    ])
    const at = (fps: number, repeat: number): BuildFrame[] =>
      source.flatMap((dets, i) =>
        [...Array(repeat)].map((_, k) => ({ idx: i * repeat + k, timeS: (i * repeat + k) / fps, detections: dets.map((d) => ({ ...d })) }))
      )
    const f8 = at(8, 2)
    const f4 = at(4, 1)
    const t8 = trackVideo(f8, 8)
    const t4 = trackVideo(f4, 4)
    expect(t8.map((t) => t.text)).toEqual(['B21GSB'])
    expect(t4.map((t) => t.text)).toEqual(['B21GSB'])
    expect(f8.flatMap((f) => f.detections).filter((d) => d.noise)).toHaveLength(2)
    expect(f4.flatMap((f) => f.detections).filter((d) => d.noise)).toHaveLength(1)
  })
})
