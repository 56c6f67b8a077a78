// The player's arithmetic: frames and times agree both ways, and a track's box between sampled frames
// follows the plate (interpolated), stays on its nearest frame for half an interval, and never bridges
// a long gap.
import { describe, expect, it } from 'vitest'
import type { TrackFrame } from '../../src/shared/types'
import { boxAt, frameAt, lastFrame, timeOfFrame, trackColor } from '../../src/renderer/src/screens/Video/playback'

const fr = (frameIdx: number, x: number): TrackFrame => ({
  detectionId: frameIdx,
  frameIdx,
  timeS: frameIdx / 4,
  box: { x1: x, y1: 10, x2: x + 100, y2: 40 },
  score: 0.9,
  text: 'B123ABC',
  confidence: 0.9
})

describe('frames and times', () => {
  it('a seek to a frame shows that frame, for rates whose 1/fps is not exact', () => {
    for (const fps of [4, 8, 25, 29.97, 30, 59.94]) {
      for (let i = 0; i < 500; i++) expect(frameAt(timeOfFrame(i, fps), fps)).toBe(i)
    }
  })
  it('knows the last frame of a clip', () => {
    expect(lastFrame(4, 4)).toBe(15)
    expect(lastFrame(4.1, 4)).toBe(16)
    expect(lastFrame(0, 4)).toBe(0)
  })
})

describe('boxAt', () => {
  const frames = [fr(2, 100), fr(3, 120), fr(5, 160), fr(12, 300)]
  it('is the sampled box on a sampled frame', () => {
    expect(boxAt(frames, 3)).toEqual(frames[1].box)
  })
  it('interpolates between close sampled frames', () => {
    expect(boxAt(frames, 2.5)!.x1).toBeCloseTo(110)
    expect(boxAt(frames, 4)!.x1).toBeCloseTo(140) // a missed frame in between: still interpolated
  })
  it('keeps the nearest frame for half an interval across a long gap, then shows nothing', () => {
    expect(boxAt(frames, 5.4)!.x1).toBe(160)
    expect(boxAt(frames, 8)).toBeNull()
    expect(boxAt(frames, 11.6)!.x1).toBe(300)
  })
  it('shows nothing well before the first or after the last frame', () => {
    expect(boxAt(frames, 1.5)!.x1).toBe(100)
    expect(boxAt(frames, 1.4)).toBeNull()
    expect(boxAt(frames, 12.5)!.x1).toBe(300)
    expect(boxAt(frames, 12.6)).toBeNull()
    expect(boxAt([], 3)).toBeNull()
  })
})

it('gives neighbouring tracks different colours', () => {
  const hues = [1, 2, 3, 4, 5].map((id) => Number(/hsl\((\d+)/.exec(trackColor(id))![1]))
  for (let i = 1; i < hues.length; i++) expect(Math.abs(hues[i] - hues[i - 1])).toBeGreaterThan(30)
})
