// Videos: pick a video, see its tracks (best frame, voted text), and walk a track's frames on a timeline.
import { useEffect, useMemo, useState } from 'react'
import { Box, Button, List, ListItemButton, ListItemText, Stack, Tooltip, Typography, useTheme } from '@mui/material'
import VideocamOutlined from '@mui/icons-material/VideocamOutlined'
import FactCheckOutlined from '@mui/icons-material/FactCheckOutlined'
import type { TrackFrame, TrackSummary } from '@shared/types'
import { FrameView } from '../../components/FrameView'
import { Kbd } from '../../components/Kbd'
import { MediaImage } from '../../components/MediaImage'
import { PlateText } from '../../components/PlateText'
import { useApi } from '../../hooks/useApi'
import { useShortcut } from '../../hooks/useShortcut'
import { navigate } from '../../nav'
import { confidenceColor } from '../../theme'
import { paddedCrop } from '../Review/crop'
import { displayName, displayPath } from '@shared/display'

export function VideoScreen({ mediaId, trackId }: { mediaId?: number; trackId?: number }) {
  const videos = useApi('media.list', { limit: 1000 }, { live: true })
  const vids = (videos.data?.items ?? []).filter((m) => m.kind === 'video')
  const current = mediaId ?? vids[0]?.id
  const media = vids.find((v) => v.id === current)
  const tracks = useApi('tracks.list', current ? { mediaId: current } : null, { live: true })
  const track: TrackSummary | undefined = tracks.data?.find((t) => t.id === trackId) ?? tracks.data?.[0]
  const frames = useApi('tracks.frames', track ? { trackId: track.id } : null)
  const [frameAt, setFrameAt] = useState<number | null>(null)
  useEffect(() => setFrameAt(null), [track?.id])
  const list = frames.data ?? []
  const shown: TrackFrame | undefined = list.find((f) => f.frameIdx === frameAt) ?? list.find((f) => f.frameIdx === track?.bestFrame) ?? list[0]
  const pos = shown ? list.indexOf(shown) : -1
  useShortcut(['ArrowRight', '.'], () => list[pos + 1] && setFrameAt(list[pos + 1].frameIdx), { enabled: pos >= 0 })
  useShortcut(['ArrowLeft', ','], () => pos > 0 && setFrameAt(list[pos - 1].frameIdx), { enabled: pos >= 0 })

  if (videos.data && vids.length === 0) {
    return (
      <Box sx={{ display: 'grid', placeItems: 'center', height: '100%', color: 'text.secondary', textAlign: 'center' }}>
        <Box>
          <VideocamOutlined sx={{ fontSize: 56 }} />
          <Typography variant="h6">No videos in this library</Typography>
          <Typography variant="body2">Import a folder with MP4, MOV or MKV files; PlateDesk tracks each plate across frames.</Typography>
        </Box>
      </Box>
    )
  }

  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(160px, 220px) minmax(240px, 320px) minmax(0, 1fr)', height: '100%', minHeight: 0 }}>
      <Box sx={{ borderRight: 1, borderColor: 'divider', overflow: 'auto', bgcolor: 'background.paper' }}>
        <Typography variant="overline" color="text.secondary" sx={{ px: 1.5, display: 'block', pt: 1 }}>
          Videos
        </Typography>
        <List dense disablePadding>
          {vids.map((v) => (
            <ListItemButton key={v.id} selected={v.id === current} onClick={() => navigate({ screen: 'video', mediaId: v.id })}>
              <ListItemText
                primary={displayName(v.path)}
                secondary={`${v.durationS != null ? `${v.durationS.toFixed(1)} s · ` : ''}${v.plates} track${v.plates === 1 ? '' : 's'}`}
                slotProps={{ primary: { noWrap: true, title: displayPath(v.path) } }}
              />
            </ListItemButton>
          ))}
        </List>
      </Box>
      <Box sx={{ borderRight: 1, borderColor: 'divider', overflow: 'auto' }} data-testid="tracks">
        <Typography variant="overline" color="text.secondary" sx={{ px: 1.5, display: 'block', pt: 1 }}>
          Tracks {tracks.data ? `(${tracks.data.length})` : ''}
        </Typography>
        {tracks.data?.map((t) => (
          <Box
            key={t.id}
            data-testid={`track-${t.id}`}
            onClick={() => navigate({ screen: 'video', mediaId: current, trackId: t.id })}
            sx={{
              display: 'grid',
              gridTemplateColumns: '112px minmax(0, 1fr)',
              gap: 1,
              p: 1,
              cursor: 'pointer',
              borderLeft: 3,
              borderLeftColor: t.id === track?.id ? 'primary.main' : 'transparent',
              bgcolor: t.id === track?.id ? 'action.selected' : 'transparent',
              borderBottom: 1,
              borderBottomColor: 'divider'
            }}
          >
            <Box sx={{ height: 63, bgcolor: 'black', borderRadius: 0.5, overflow: 'hidden' }}>
              <TrackThumb track={t} />
            </Box>
            <Box sx={{ minWidth: 0 }}>
              <PlateText text={t.text} size="sm" />
              <Typography variant="caption" color="text.secondary" component="div">
                {t.detections} frame{t.detections === 1 ? '' : 's'} · {Math.round(t.confidence * 100)}%
              </Typography>
              <Typography variant="caption" color="text.secondary" component="div">
                {t.firstTimeS != null ? `${t.firstTimeS.toFixed(1)}–${(t.lastTimeS ?? t.firstTimeS).toFixed(1)} s` : `frames ${t.firstFrame}–${t.lastFrame}`}
              </Typography>
            </Box>
          </Box>
        ))}
      </Box>
      <Box sx={{ display: 'flex', flexDirection: 'column', minWidth: 0, minHeight: 0, p: 2, gap: 1.5 }}>
        {media && track && shown ? (
          <>
            <Stack direction="row" sx={{ alignItems: 'center', gap: 1.5 }}>
              <PlateText text={track.text} size="lg" />
              <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
                frame {shown.frameIdx}
                {shown.timeS != null ? ` · ${shown.timeS.toFixed(2)} s` : ''} · read <b>{shown.text ?? '—'}</b>
                {shown.confidence != null ? ` (${Math.round(shown.confidence * 100)}%)` : ''}
              </Typography>
              {track.plateId && (
                <Button variant="outlined" startIcon={<FactCheckOutlined />} onClick={() => navigate({ screen: 'review', mediaId: media.id, plateId: track.plateId ?? undefined })}>
                  Review this track
                </Button>
              )}
            </Stack>
            <Box sx={{ flex: 1, minHeight: 0 }}>
              <FrameView mediaId={media.id} frameIdx={shown.frameIdx} width={media.width ?? 1280} height={media.height ?? 720} current={{ id: shown.detectionId, box: shown.box, label: shown.text ?? '' }} />
            </Box>
            <Timeline frames={list} first={track.firstFrame} last={track.lastFrame} current={shown.frameIdx} best={track.bestFrame} onPick={setFrameAt} />
            <Typography variant="caption" color="text.secondary">
              Click the timeline to jump to a frame · <Kbd>←</Kbd> <Kbd>→</Kbd> step through the track
            </Typography>
          </>
        ) : (
          <Typography color="text.secondary">{tracks.data?.length === 0 ? 'No plate tracks in this video.' : 'Select a track.'}</Typography>
        )}
      </Box>
    </Box>
  )
}

function Timeline({ frames, first, last, current, best, onPick }: { frames: TrackFrame[]; first: number; last: number; current: number; best: number; onPick: (f: number) => void }) {
  const theme = useTheme()
  const span = Math.max(1, last - first)
  const marks = useMemo(() => frames.map((f) => ({ f, left: ((f.frameIdx - first) / span) * 100 })), [frames, first, span])
  return (
    <Box data-testid="timeline" sx={{ position: 'relative', height: 44, borderRadius: 1, bgcolor: 'action.hover', border: 1, borderColor: 'divider', mx: 1 }}>
      {marks.map(({ f, left }) => (
        <Tooltip key={f.detectionId} title={`frame ${f.frameIdx}: ${f.text ?? '—'} ${f.confidence != null ? `${Math.round(f.confidence * 100)}%` : ''}`}>
          <Box
            data-testid={`tl-${f.frameIdx}`}
            onClick={() => onPick(f.frameIdx)}
            sx={{
              position: 'absolute',
              left: `calc(${left}% - 5px)`,
              top: f.frameIdx === current ? 2 : 8,
              bottom: f.frameIdx === current ? 2 : 8,
              width: 10,
              borderRadius: 1,
              cursor: 'pointer',
              bgcolor: confidenceColor(f.confidence, theme),
              opacity: f.frameIdx === current ? 1 : 0.6,
              outline: f.frameIdx === current ? `2px solid ${theme.palette.text.primary}` : f.frameIdx === best ? `1px dashed ${theme.palette.text.secondary}` : 'none'
            }}
          />
        </Tooltip>
      ))}
    </Box>
  )
}

/** The plate at the track's best frame (the whole frame until its box is known). */
function TrackThumb({ track }: { track: TrackSummary }) {
  const frames = useApi('tracks.frames', { trackId: track.id })
  const best = frames.data?.find((f) => f.frameIdx === track.bestFrame)
  if (!frames.data) return null
  return (
    <MediaImage
      mediaId={track.mediaId}
      frameIdx={track.bestFrame}
      crop={best ? paddedCrop(best.box, 0.6, 1.6) : undefined}
      maxSize={200}
      alt={`track ${track.text}`}
      fit="cover"
    />
  )
}
