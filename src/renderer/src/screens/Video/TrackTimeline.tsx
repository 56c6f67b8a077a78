// Every track of the video on one time axis: one bar per track (from its first to its last frame) in the
// track's overlay colour, tracks that do not overlap sharing a lane; the playhead at the time shown.
// A click on a bar jumps to the track's first frame and selects it (Ctrl/Shift adds it to the selection);
// a click anywhere else seeks there.
import { memo, useMemo, useRef, type MouseEvent } from 'react'
import { Box, Tooltip, Typography } from '@mui/material'
import type { TrackSummary } from '@shared/types'
import { MONO } from '../../theme'
import { formatTime, trackColor } from './playback'

const LANE = 20
const RULER = 18
const MAX_VISIBLE_LANES = 6

/** lanes for the tracks: each in the first lane whose last track ended before it starts */
export function packLanes(tracks: TrackSummary[]): Map<number, number> {
  const ends: number[] = []
  const lane = new Map<number, number>()
  for (const t of [...tracks].sort((a, b) => a.firstFrame - b.firstFrame || a.id - b.id)) {
    let i = ends.findIndex((end) => end < t.firstFrame)
    if (i < 0) i = ends.push(-1) - 1
    ends[i] = t.lastFrame
    lane.set(t.id, i)
  }
  return lane
}

export const TrackTimeline = memo(function TrackTimeline(props: {
  tracks: TrackSummary[]
  fps: number
  durationS: number
  timeS: number
  selected: ReadonlySet<number>
  onPick: (track: TrackSummary, additive: boolean) => void
  onSeek: (timeS: number) => void
}) {
  const { tracks, fps, durationS, selected } = props
  const lanes = useMemo(() => packLanes(tracks), [tracks])
  const nLanes = Math.max(1, ...[...lanes.values()].map((l) => l + 1))
  const area = useRef<HTMLDivElement>(null)
  const D = Math.max(durationS, 1 / fps)
  const pct = (s: number): string => `${Math.max(0, Math.min(100, (s / D) * 100))}%`
  const seconds = useMemo(() => {
    const step = D > 120 ? 30 : D > 30 ? 5 : 1
    return Array.from({ length: Math.floor(D / step) + 1 }, (_, i) => i * step)
  }, [D])
  const seekAt = (e: MouseEvent): void => {
    const r = area.current?.getBoundingClientRect()
    if (!r || r.width === 0) return
    props.onSeek(Math.max(0, Math.min(D, ((e.clientX - r.left) / r.width) * D)))
  }

  return (
    <Box
      data-testid="track-timeline"
      sx={{ border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.paper', px: 1, py: 0.5, userSelect: 'none' }}
    >
      <Box ref={area} sx={{ position: 'relative', cursor: 'pointer' }} onClick={seekAt}>
        <Box sx={{ position: 'relative', height: RULER }}>
          {seconds.map((s) => (
            <Typography
              key={s}
              variant="caption"
              color="text.secondary"
              sx={{ position: 'absolute', left: pct(s), top: 0, transform: s === 0 ? 'none' : s / D > 0.97 ? 'translateX(-100%)' : 'translateX(-50%)', fontSize: 10, lineHeight: `${RULER}px` }}
            >
              {formatTime(s).replace(/\.00$/, '')}
            </Typography>
          ))}
        </Box>
        <Box sx={{ position: 'relative', height: Math.min(nLanes, MAX_VISIBLE_LANES) * LANE, overflowY: nLanes > MAX_VISIBLE_LANES ? 'auto' : 'hidden' }}>
          <Box sx={{ position: 'relative', height: nLanes * LANE }}>
            {tracks.map((t) => {
              const start = t.firstFrame / fps
              const end = (t.lastFrame + 1) / fps
              const sel = selected.has(t.id)
              return (
                <Tooltip key={t.id} title={`${t.text || '—'} · frames ${t.firstFrame}–${t.lastFrame} · ${Math.round(t.confidence * 100)}%`} disableInteractive>
                  <Box
                    data-testid={`tl-track-${t.id}`}
                    data-selected={sel ? 'true' : 'false'}
                    onClick={(e) => {
                      e.stopPropagation()
                      props.onPick(t, e.ctrlKey || e.metaKey || e.shiftKey)
                    }}
                    sx={{
                      position: 'absolute',
                      left: pct(start),
                      width: `max(6px, calc(${pct(end)} - ${pct(start)}))`,
                      top: (lanes.get(t.id) ?? 0) * LANE + 2,
                      height: LANE - 4,
                      borderRadius: 0.75,
                      bgcolor: trackColor(t.id),
                      opacity: sel ? 1 : 0.7,
                      outline: sel ? '2px solid' : 'none',
                      outlineColor: 'text.primary',
                      outlineOffset: 1,
                      overflow: 'hidden',
                      color: '#111',
                      fontFamily: MONO,
                      fontWeight: 700,
                      fontSize: 11,
                      lineHeight: `${LANE - 4}px`,
                      px: 0.5,
                      whiteSpace: 'nowrap',
                      cursor: 'pointer'
                    }}
                  >
                    {t.text}
                  </Box>
                </Tooltip>
              )
            })}
          </Box>
        </Box>
        <Box
          data-testid="playhead"
          sx={{ position: 'absolute', top: 0, bottom: 0, left: pct(props.timeS), width: 2, ml: '-1px', bgcolor: 'error.main', pointerEvents: 'none' }}
        />
      </Box>
    </Box>
  )
})
