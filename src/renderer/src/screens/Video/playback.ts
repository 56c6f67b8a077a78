// The player's arithmetic, kept pure so it is unit-tested: which sampled frame a time is, where a
// track's box is at any time (between the frames the import sampled), and a colour per track.
// Frame indices are the library's: the import's sampled sequence, frame i at i / fps seconds.
import type { Box, TrackFrame } from '@shared/types'

/** the sampled frame nearest to `timeS` */
export function frameAt(timeS: number, fps: number): number {
  return Math.max(0, Math.round(timeS * fps))
}

/** where to seek to show sampled frame `idx`: a hair after its time, so a rounding error never shows the
 *  decoded frame before it */
export function timeOfFrame(idx: number, fps: number): number {
  return idx / fps + 0.001
}

/** the last sampled frame of a video `durationS` long */
export function lastFrame(durationS: number, fps: number): number {
  return Math.max(0, Math.ceil(durationS * fps - 1e-6) - 1)
}

/** Interpolate between two sampled boxes at most this many frames apart; a longer gap (the plate was
 *  hidden, or missed) shows no box rather than a guess across it. */
export const MAX_INTERPOLATION_GAP = 3

/**
 * The box of a track at fractional frame `f` (= time x fps), or null where the track has none: linear
 * between its two sampled frames around f (when they are at most MAX_INTERPOLATION_GAP apart), else its
 * nearest sampled frame when that is within half a sample interval. `frames` is sorted by frameIdx.
 */
export function boxAt(frames: TrackFrame[], f: number): Box | null {
  if (frames.length === 0) return null
  // the last frame at or before f (binary search)
  let lo = 0
  let hi = frames.length - 1
  let before = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (frames[mid].frameIdx <= f) {
      before = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  const a = before >= 0 ? frames[before] : null
  const b = before + 1 < frames.length ? frames[before + 1] : null
  if (a && a.frameIdx === f) return a.box
  if (a && b && b.frameIdx - a.frameIdx <= MAX_INTERPOLATION_GAP) {
    const k = (f - a.frameIdx) / (b.frameIdx - a.frameIdx)
    const mix = (p: number, q: number): number => p + (q - p) * k
    return { x1: mix(a.box.x1, b.box.x1), y1: mix(a.box.y1, b.box.y1), x2: mix(a.box.x2, b.box.x2), y2: mix(a.box.y2, b.box.y2) }
  }
  const near = [a, b].filter((x): x is TrackFrame => !!x).sort((x, y) => Math.abs(x.frameIdx - f) - Math.abs(y.frameIdx - f))[0]
  return near && Math.abs(near.frameIdx - f) <= 0.5 ? near.box : null
}

/** A colour per track, far from its neighbours' (golden-angle hues), readable on video. */
export function trackColor(trackId: number): string {
  return `hsl(${Math.round((trackId * 137.508) % 360)}, 90%, 60%)`
}

/** "0:03.25" */
export function formatTime(s: number): string {
  const m = Math.floor(s / 60)
  const rest = s - m * 60
  return `${m}:${rest < 10 ? '0' : ''}${rest.toFixed(2)}`
}
