// From the recognised frames of one video to its tracks: runs the tracker with its frame-count settings
// derived from the sampling rate (so 4 fps and 8 fps of the same video see the same seconds of memory),
// votes each track's text, picks its best detection, and drops tracks too brief to trust.
import type { Box } from '../../shared/types'
import { trackSequence, type TrackerOptions } from './tracker'
import { bestIndex, voteText } from './vote'

export interface BuildDetection {
  box: Box
  score: number
  read: { text: string; confidence: number; charConfidences: number[]; region: string | null } | null
  /** set here: index into the returned tracks */
  track?: number
  /** set here: a detection of a track too brief to offer for review */
  noise?: boolean
}

export interface BuildFrame {
  idx: number
  timeS: number | null
  detections: BuildDetection[]
}

export interface BuiltTrack {
  text: string
  confidence: number
  region: string | null
  firstFrame: number
  lastFrame: number
  firstTimeS: number | null
  lastTimeS: number | null
  /** the best detection: index into frames, then into that frame's detections */
  best: { frame: number; detection: number }
  detections: number
}

/** Seconds, turned into frames at the sampling rate. */
export const TRACKING_SECONDS = {
  /** a track unseen this long ends (a missed detection or two at 4-8 fps) */
  maxAge: 0.5,
  /** same-text tracks this close in time are one plate (a short occlusion) */
  mergeGap: 1
}
/** A track seen for less than this is offered for review only with a confident read (cf. SORT's
 *  min_hits, but in time: at 8 fps a frame shown twice is not two sightings). */
export const MIN_TRACK_SECONDS = 0.2
export const SINGLE_HIT_MIN_CONFIDENCE = 0.5

export function trackerOptionsFor(fps: number | null): TrackerOptions {
  if (!fps || !Number.isFinite(fps) || fps <= 0) return {}
  return {
    maxAge: Math.max(2, Math.round(TRACKING_SECONDS.maxAge * fps)),
    mergeGap: Math.max(2, Math.round(TRACKING_SECONDS.mergeGap * fps))
  }
}

/** Tracks the frames (sets detection.track / detection.noise) and returns the tracks kept. */
export function trackVideo(frames: BuildFrame[], fps: number | null): BuiltTrack[] {
  const outs = trackSequence(
    frames.map((fr) => ({
      frame: fr.idx,
      detections: fr.detections.map((d) => ({ box: d.box, score: d.score, text: d.read?.text ?? null, confidence: d.read?.confidence ?? null }))
    })),
    trackerOptionsFor(fps)
  )
  const tracks: BuiltTrack[] = []
  for (const t of outs) {
    const members = [...t.members].sort((a, b) => a.frameIndex - b.frameIndex || a.detection - b.detection)
    const dets = members.map((m) => frames[m.frameIndex].detections[m.detection])
    const vote = voteText(
      dets
        .filter((d) => d.read && d.read.text)
        .map((d) => ({ text: d.read!.text, confidence: d.read!.confidence, charConfidences: d.read!.charConfidences, weight: d.score, region: d.read!.region }))
    )
    const first = frames[members[0].frameIndex]
    const last = frames[members[members.length - 1].frameIndex]
    // how long the plate was in view: between its first and last sighting
    const seen = first.timeS != null && last.timeS != null ? last.timeS - first.timeS : (members.length - 1) / (fps || 1)
    if (seen < MIN_TRACK_SECONDS - 1e-6 && vote.confidence < SINGLE_HIT_MIN_CONFIDENCE) {
      for (const d of dets) d.noise = true
      continue
    }
    const bi = bestIndex(dets.map((d) => ({ score: d.score, confidence: d.read ? d.read.confidence : null })))
    const ti = tracks.length
    for (const d of dets) d.track = ti
    tracks.push({
      text: vote.text,
      confidence: vote.confidence,
      region: vote.region,
      firstFrame: first.idx,
      lastFrame: last.idx,
      firstTimeS: first.timeS,
      lastTimeS: last.timeS,
      best: { frame: members[bi].frameIndex, detection: members[bi].detection },
      detections: members.length
    })
  }
  return tracks
}
