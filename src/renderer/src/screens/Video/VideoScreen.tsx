// Videos: the video plays with every track's box over the moving picture, a timeline of all tracks under
// it, and the selected track reviewed from there with Review's keys. Space plays or pauses; , . or ← →
// step one frame; a track (list, timeline or box) jumps to its first frame; S splits the selected track
// at the frame shown, M merges the selected tracks, Ctrl+Z undoes. Track edits go through the tracks.*
// channels, one at a time in key order (Review's ActionQueue), and the list, timeline and boxes reload.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react'
import { Alert, Box, Button, Checkbox, IconButton, List, Skeleton, ListItemButton, ListItemText, Stack, ToggleButton, ToggleButtonGroup, Tooltip, Typography } from '@mui/material'
import VideocamOutlined from '@mui/icons-material/VideocamOutlined'
import PlayArrowRounded from '@mui/icons-material/PlayArrowRounded'
import PauseRounded from '@mui/icons-material/PauseRounded'
import SkipPreviousRounded from '@mui/icons-material/SkipPreviousRounded'
import SkipNextRounded from '@mui/icons-material/SkipNextRounded'
import ContentCutRounded from '@mui/icons-material/ContentCutRounded'
import MergeRounded from '@mui/icons-material/MergeRounded'
import UndoRounded from '@mui/icons-material/UndoRounded'
import type { MediaSummary, TrackFrame, TrackSummary } from '@shared/types'
import { plateForInput } from '@shared/plate-text'
import { displayName, displayPath } from '@shared/display'
import { api, ApiError } from '../../api/client'
import { Kbd } from '../../components/Kbd'
import { MediaImage } from '../../components/MediaImage'
import { useNotify } from '../../components/Notify'
import { PlateText } from '../../components/PlateText'
import { useApi } from '../../hooks/useApi'
import { useShortcut } from '../../hooks/useShortcut'
import { navigate } from '../../nav'
import { ActionQueue } from '../Review/actionQueue'
import { candidateChoices } from '../Review/normalize'
import { paddedCrop } from '../Review/crop'
import { formatTime, frameAt, lastFrame, trackColor } from './playback'
import { Player, type OverlayTrack, type PlayerHandle, type PlayerSource } from './Player'
import { TrackEditor } from './TrackEditor'
import { TrackTimeline } from './TrackTimeline'

/** the player's address for a library video: the same path in web mode and under app:// */
function videoUrl(mediaId: number): string {
  return api.transport === 'electron' ? `app://platedesk/media/${mediaId}/video` : `/media/${mediaId}/video`
}

/** the frames of every track, fetched once per track shape (a split, merge or undo changes the shape) */
function useTrackFrames(tracks: TrackSummary[] | undefined): Map<number, TrackFrame[]> {
  const [byShape, setByShape] = useState(() => new Map<string, TrackFrame[]>())
  const asked = useRef(new Set<string>())
  const shape = (t: TrackSummary): string => `${t.id}:${t.firstFrame}:${t.lastFrame}:${t.detections}`
  useEffect(() => {
    for (const t of tracks ?? []) {
      const key = shape(t)
      if (asked.current.has(key)) continue
      asked.current.add(key)
      api.call('tracks.frames', { trackId: t.id }).then(
        (frames) => setByShape((m) => new Map(m).set(key, frames)),
        () => asked.current.delete(key) // asked again on the next reload
      )
    }
  }, [tracks])
  return useMemo(() => {
    const out = new Map<number, TrackFrame[]>()
    for (const t of tracks ?? []) {
      const f = byShape.get(shape(t))
      if (f) out.set(t.id, f)
    }
    return out
  }, [tracks, byShape])
}

export function VideoScreen({ mediaId, trackId }: { mediaId?: number; trackId?: number }) {
  const videos = useApi('media.list', { limit: 1000 }, { live: (e) => e.reason === 'import' })
  const vids = (videos.data?.items ?? []).filter((m) => m.kind === 'video')
  const current = mediaId ?? vids[0]?.id
  const media = vids.find((v) => v.id === current)

  if (videos.data && vids.length === 0) {
    return (
      <Box sx={{ display: 'grid', placeItems: 'center', height: '100%', color: 'text.secondary', textAlign: 'center' }}>
        <Box>
          <VideocamOutlined sx={{ fontSize: 56 }} />
          <Typography variant="h6">No videos in this library</Typography>
          <Typography variant="body2">Import a folder with MP4, MOV or MKV files; PlateDesk tracks each plate across frames.</Typography>
          <Button sx={{ mt: 1 }} onClick={() => navigate({ screen: 'library' })}>
            Import in Library&nbsp;<Kbd>Ctrl+1</Kbd>
          </Button>
        </Box>
      </Box>
    )
  }
  if (videos.error) return <Alert severity="error" sx={{ m: 2 }}>Could not list the library&apos;s videos: {videos.error.message}</Alert>
  // a stale link (#/video?media=N of a removed file or of an image) would otherwise wait forever
  if (videos.data && !media)
    return (
      <Alert
        severity="warning"
        sx={{ m: 2 }}
        data-testid="video-not-found"
        action={
          <Button size="small" onClick={() => navigate({ screen: 'video', mediaId: vids[0].id })}>
            Open {displayName(vids[0].path)}
          </Button>
        }
      >
        File #{current} is not a video in this library (removed, or an image).
      </Alert>
    )
  if (!media) return <Typography sx={{ p: 2 }} color="text.secondary">Loading…</Typography>
  return <VideoPlayerScreen key={media.id} media={media} videos={vids} trackId={trackId} />
}

function VideoPlayerScreen({ media, videos, trackId }: { media: MediaSummary; videos: MediaSummary[]; trackId?: number }) {
  const notify = useNotify()
  const tracks = useApi('tracks.list', { mediaId: media.id }, { live: true })
  const list = useMemo(() => tracks.data ?? [], [tracks.data])
  const framesOf = useTrackFrames(tracks.data)
  const fps = media.fps && media.fps > 0 ? media.fps : 4
  const durationS = media.durationS ?? (list.length ? (Math.max(...list.map((t) => t.lastFrame)) + 1) / fps : 1)
  const last = lastFrame(durationS, fps)

  const player = useRef<PlayerHandle>(null)
  const [timeS, setTimeS] = useState(0)
  const [playing, setPlaying] = useState(false)
  const [source, setSource] = useState<PlayerSource>('video')
  const frame = Math.min(frameAt(timeS, fps), last)

  // selection: the primary track (the one the editor shows) and any others picked with Ctrl/Shift
  const [selected, setSelected] = useState<number[]>(trackId ? [trackId] : [])
  const primaryId = selected.length ? selected[selected.length - 1] : null
  const primary = list.find((t) => t.id === primaryId)
  const selectedSet = useMemo(() => new Set(selected), [selected])
  const [focusTick, setFocusTick] = useState(0)
  const focusHandled = useRef(0)
  const [draft, setDraft] = useState<{ trackId: number; text: string } | null>(null)
  const plate = useApi('plates.get', primary?.plateId ? { id: primary.plateId } : null, { live: true })
  const plateDetail = plate.data && plate.data.id === primary?.plateId ? plate.data : undefined

  // tracks gone (a split undone, a merge) leave the selection
  useEffect(() => {
    if (!tracks.data) return
    const ids = new Set(tracks.data.map((t) => t.id))
    setSelected((s) => (s.every((id) => ids.has(id)) ? s : s.filter((id) => ids.has(id))))
  }, [tracks.data])
  // a track named by the route: shown at its first frame once the list is there
  const routed = useRef<number | null>(null)
  useEffect(() => {
    if (!trackId || routed.current === trackId || !tracks.data) return
    const t = tracks.data.find((x) => x.id === trackId)
    if (!t) return
    routed.current = trackId
    setSelected([t.id])
    player.current?.seekFrame(t.firstFrame)
  }, [trackId, tracks.data])

  const pick = useCallback((t: TrackSummary, additive: boolean) => {
    if (additive) {
      setSelected((s) => (s.includes(t.id) ? s.filter((id) => id !== t.id) : [...s, t.id]))
      return
    }
    setSelected([t.id])
    player.current?.seekFrame(t.firstFrame)
    setFocusTick((n) => n + 1)
  }, [])
  const pickId = useCallback((id: number, additive: boolean) => {
    const t = listRef.current.find((x) => x.id === id)
    if (t) pick(t, additive)
  }, [pick])
  const listRef = useRef(list)
  listRef.current = list

  // ------------------------------------------------------------------ edits, one at a time in key order
  const actions = useMemo(() => new ActionQueue(), [])
  const run = useCallback(
    <T,>(task: () => Promise<T>, done?: (r: T) => void) => {
      actions
        .run(task)
        .then(
          (r) => {
            done?.(r)
            tracks.reload()
            plate.reload()
          },
          (err: unknown) => notify(ApiError.from(err).message, 'error')
        )
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reload functions are stable
    [actions, notify]
  )

  const stored = primary ? plateForInput(primary.text) : ''
  const text = primary && draft?.trackId === primary.id ? draft.text : stored
  const onText = useCallback((t: string) => primaryId !== null && setDraft({ trackId: primaryId, text: t }), [primaryId])

  const moveTrack = useCallback(
    (delta: number) => {
      const l = listRef.current
      if (!l.length) return
      const at = l.findIndex((t) => t.id === primaryId)
      const next = l[Math.max(0, Math.min(l.length - 1, at < 0 ? 0 : at + delta))]
      setSelected([next.id])
      player.current?.seekFrame(next.firstFrame)
    },
    [primaryId]
  )

  const submit = useCallback(() => {
    if (!primary) return
    if (!text) {
      notify('Type the plate text; Ctrl+I if it is a plate nobody can read; Delete if it is not a plate', 'warning')
      return
    }
    setDraft(null)
    const reviewed = plateDetail && plateDetail.reviewState !== 'unreviewed' && plateDetail.reviewState !== 'rejected'
    if (text !== stored) run(() => api.call('tracks.setText', { trackId: primary.id, text }))
    else if (!reviewed) run(() => api.call('tracks.confirm', { trackId: primary.id }))
    moveTrack(1)
  }, [primary, text, stored, plateDetail, run, notify, moveTrack])

  const decidePlate = useCallback(
    (kind: 'reject' | 'illegible') => {
      const id = primary?.plateId
      if (!id) return
      setDraft(null)
      run(() => api.call(kind === 'reject' ? 'plates.reject' : 'plates.illegible', { id }))
      moveTrack(1)
    },
    [primary, run, moveTrack]
  )

  const split = useCallback(() => {
    if (!primary) return notify('Select a track to split', 'info')
    if (frame <= primary.firstFrame || frame > primary.lastFrame) {
      return notify(`Move to a frame inside the track (${primary.firstFrame + 1}–${primary.lastFrame}) to split it there`, 'info')
    }
    const name = primary.text || `track ${primary.id}`
    run(
      () => api.call('tracks.split', { trackId: primary.id, atFrame: frame }),
      (r) => {
        setSelected([r.trackIds[1]])
        notify(`Split ${name} at frame ${frame} (Ctrl+Z undoes)`, 'success')
      }
    )
  }, [primary, frame, run, notify])

  const merge = useCallback(() => {
    if (selected.length < 2) return notify('Select two or more tracks to merge (Ctrl+click in the list or timeline)', 'info')
    const ids = [...selected]
    run(
      () => api.call('tracks.merge', { trackIds: ids }),
      (r) => {
        setSelected([r.trackId])
        notify(`Merged ${ids.length} tracks (Ctrl+Z undoes)`, 'success')
      }
    )
  }, [selected, run, notify])

  const undo = useCallback(() => {
    setDraft(null)
    run(
      () => api.call('history.undo', {}),
      (r) => notify(r.undone === 0 ? 'Nothing to undo' : `Undone (${r.undone} change${r.undone === 1 ? '' : 's'})`, r.undone === 0 ? 'info' : 'success')
    )
  }, [run, notify])

  const onUnsupported = useCallback(
    (why: string) => {
      setSource('frames')
      notify(`This browser cannot play ${displayName(media.path)} (${why}): showing its frames, decoded on demand`, 'info')
    },
    [media.path, notify]
  )

  // ------------------------------------------------------------------ keys
  const inTrackField = (el: HTMLElement): boolean => el.dataset.trackKeys === 'true'
  useShortcut(' ', () => player.current?.toggle(), { allowIn: inTrackField })
  // , and . are no plate characters: they step from the text field too; the arrows move its caret there
  useShortcut('ArrowLeft', () => player.current?.step(-1))
  useShortcut('ArrowRight', () => player.current?.step(1))
  useShortcut([',', '.'], (e) => player.current?.step(e.key === ',' ? -1 : 1), { allowIn: inTrackField })
  useShortcut('S', split)
  useShortcut('M', merge)
  useShortcut('Enter', submit, { allowIn: inTrackField, enabled: !!primary })
  useShortcut(['Delete', 'Ctrl+Backspace'], () => decidePlate('reject'), { allowIn: inTrackField, enabled: !!primary })
  useShortcut(['Ctrl+I', 'Alt+I'], () => decidePlate('illegible'), { allowIn: inTrackField, enabled: !!primary })
  useShortcut(['PageDown', 'Alt+ArrowDown', 'Alt+ArrowRight'], () => moveTrack(1), { allowIn: inTrackField })
  useShortcut(['PageUp', 'Alt+ArrowUp', 'Alt+ArrowLeft'], () => moveTrack(-1), { allowIn: inTrackField })
  useShortcut('Ctrl+Z', undo, { allowIn: inTrackField })
  useShortcut(
    'Escape',
    (e) => {
      const el = e.target as HTMLElement
      if (draft && draft.trackId === primaryId) setDraft(null) // first Esc drops the draft
      else if (el && inTrackField(el)) el.blur() // then the player's keys again
      else if (selected.length > 1 && primaryId !== null) setSelected([primaryId])
    },
    { allowIn: inTrackField, preventDefault: false }
  )
  const candidateKeys = useMemo(() => Array.from({ length: 9 }, (_, i) => `Alt+${i + 1}`), [])
  useShortcut(
    candidateKeys,
    (e) => {
      const c = plateDetail ? candidateChoices(plateDetail.candidates)[Number(e.code.replace(/\D/g, '')) - 1] : undefined
      if (c && primaryId !== null) setDraft({ trackId: primaryId, text: plateForInput(c.plate) })
    },
    { allowIn: inTrackField, enabled: !!plateDetail }
  )

  const overlay: OverlayTrack[] = useMemo(() => list.map((t) => ({ id: t.id, text: t.text, frames: framesOf.get(t.id) })), [list, framesOf])
  const noFocus = (e: MouseEvent): void => e.preventDefault() // buttons leave the focus where it was
  const canSplit = !!primary && frame > primary.firstFrame && frame <= primary.lastFrame

  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(240px, 300px) minmax(0, 1fr)', height: '100%', minHeight: 0 }}>
      <Box sx={{ display: 'flex', flexDirection: 'column', borderRight: 1, borderColor: 'divider', minHeight: 0, bgcolor: 'background.paper' }}>
        {videos.length > 1 && (
          <Box sx={{ maxHeight: '30%', overflow: 'auto', borderBottom: 1, borderColor: 'divider', flexShrink: 0 }}>
            <Typography variant="overline" color="text.secondary" sx={{ px: 1.5, display: 'block', pt: 1 }}>
              Videos
            </Typography>
            <List dense disablePadding>
              {videos.map((v) => (
                <ListItemButton key={v.id} selected={v.id === media.id} onClick={() => navigate({ screen: 'video', mediaId: v.id })}>
                  <ListItemText
                    primary={displayName(v.path)}
                    secondary={`${v.durationS != null ? `${v.durationS.toFixed(1)} s · ` : ''}${v.plates} track${v.plates === 1 ? '' : 's'}`}
                    slotProps={{ primary: { noWrap: true, title: displayPath(v.path) } }}
                  />
                </ListItemButton>
              ))}
            </List>
          </Box>
        )}
        <Stack direction="row" sx={{ px: 1.5, pt: 1, alignItems: 'baseline', justifyContent: 'space-between' }}>
          <Typography variant="overline" color="text.secondary">
            Tracks {tracks.data ? `(${tracks.data.length})` : ''}
          </Typography>
          {selected.length > 1 && (
            <Typography variant="caption" color="primary" data-testid="selection-count">
              {selected.length} selected
            </Typography>
          )}
        </Stack>
        <TrackList tracks={list} framesOf={framesOf} selected={selectedSet} primaryId={primaryId} onPick={pick} />
      </Box>

      <Box sx={{ display: 'flex', flexDirection: 'column', minWidth: 0, minHeight: 0, p: 1.5, gap: 1 }}>
        <Stack direction="row" sx={{ alignItems: 'baseline', gap: 1.5 }}>
          <Typography variant="subtitle1" noWrap title={displayPath(media.path)} sx={{ fontWeight: 600, minWidth: 0 }}>
            {displayName(media.path)}
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="frame-info" data-frame={frame} data-time={timeS.toFixed(3)} data-playing={playing ? 'true' : 'false'}>
            frame <b data-testid="frame-idx">{frame}</b> · {formatTime(timeS)} / {formatTime(durationS)} · {last + 1} frames sampled at {fps} fps
          </Typography>
        </Stack>
        <Box sx={{ flex: 1, minHeight: 180 }} onMouseDown={() => (document.activeElement as HTMLElement | null)?.blur()}>
          <Player
            ref={player}
            mediaId={media.id}
            src={videoUrl(media.id)}
            source={source}
            fps={fps}
            durationS={durationS}
            width={media.width ?? 1280}
            height={media.height ?? 720}
            timeS={timeS}
            tracks={overlay}
            selected={selectedSet}
            onTime={setTimeS}
            onPlaying={setPlaying}
            onPickTrack={pickId}
            onUnsupported={onUnsupported}
          />
        </Box>
        <Stack direction="row" sx={{ alignItems: 'center', gap: 0.5, flexWrap: 'wrap' }}>
          <Tooltip title="Previous frame (, or ←)">
            <IconButton onMouseDown={noFocus} onClick={() => player.current?.step(-1)} data-testid="step-back">
              <SkipPreviousRounded />
            </IconButton>
          </Tooltip>
          <Tooltip title={playing ? 'Pause (Space)' : 'Play (Space)'}>
            <IconButton onMouseDown={noFocus} onClick={() => player.current?.toggle()} data-testid="play-pause" color="primary" sx={{ border: 1, borderColor: 'divider' }}>
              {playing ? <PauseRounded /> : <PlayArrowRounded />}
            </IconButton>
          </Tooltip>
          <Tooltip title="Next frame (. or →)">
            <IconButton onMouseDown={noFocus} onClick={() => player.current?.step(1)} data-testid="step-forward">
              <SkipNextRounded />
            </IconButton>
          </Tooltip>
          <Box sx={{ flex: 1 }} />
          <Tooltip title={primary ? `Split ${primary.text || 'the track'} here: frames ${primary.firstFrame}–${frame - 1} and ${frame}–${primary.lastFrame}` : 'Select a track first'}>
            <span>
              <Button size="small" startIcon={<ContentCutRounded />} onMouseDown={noFocus} onClick={split} disabled={!canSplit} data-testid="btn-split">
                Split at frame {frame}&nbsp;<Kbd>S</Kbd>
              </Button>
            </span>
          </Tooltip>
          <Tooltip title="Merge the selected tracks into one (Ctrl+click to select several)">
            <span>
              <Button size="small" startIcon={<MergeRounded />} onMouseDown={noFocus} onClick={merge} disabled={selected.length < 2} data-testid="btn-merge">
                Merge {selected.length > 1 ? selected.length : ''}&nbsp;<Kbd>M</Kbd>
              </Button>
            </span>
          </Tooltip>
          <Button size="small" startIcon={<UndoRounded />} onMouseDown={noFocus} onClick={undo} data-testid="btn-undo">
            Undo&nbsp;<Kbd>Ctrl+Z</Kbd>
          </Button>
          <ToggleButtonGroup
            size="small"
            exclusive
            value={source}
            onChange={(_e, v: PlayerSource | null) => v && setSource(v)}
            sx={{ ml: 1 }}
            data-testid="source-toggle"
          >
            <Tooltip title="The video file, played by the browser">
              <ToggleButton value="video" onMouseDown={noFocus} sx={{ py: 0.25, px: 1, textTransform: 'none' }}>
                Video
              </ToggleButton>
            </Tooltip>
            <Tooltip title="The library's frames, decoded on demand (for codecs the browser cannot play)">
              <ToggleButton value="frames" onMouseDown={noFocus} sx={{ py: 0.25, px: 1, textTransform: 'none' }} data-testid="source-frames">
                Frames
              </ToggleButton>
            </Tooltip>
          </ToggleButtonGroup>
        </Stack>
        <TrackTimeline tracks={list} fps={fps} durationS={durationS} timeS={timeS} selected={selectedSet} onPick={pick} onSeek={(t) => player.current?.seekFrame(frameAt(t, fps))} />
        <Box sx={{ minHeight: 92 }}>
          {primary ? (
            <TrackEditor
              track={primary}
              frames={framesOf.get(primary.id)}
              plate={plateDetail}
              text={text}
              stored={stored}
              onText={onText}
              onSubmit={submit}
              onReject={() => decidePlate('reject')}
              onReview={() => primary.plateId && navigate({ screen: 'review', mediaId: media.id, plateId: primary.plateId })}
              focusTick={focusTick}
              focusHandled={focusHandled}
            />
          ) : (
            <Typography color="text.secondary" variant="body2" sx={{ pt: 1 }}>
              {tracks.data?.length === 0 ? 'No plate tracks in this video.' : 'Pick a track in the list, the timeline or on the picture to review it.'}
            </Typography>
          )}
        </Box>
        <Typography variant="caption" color="text.secondary">
          <Kbd>Space</Kbd> play/pause · <Kbd>,</Kbd> <Kbd>.</Kbd> step a frame · <Kbd>Enter</Kbd> confirm or save · <Kbd>Del</Kbd> reject · <Kbd>PgUp</Kbd>{' '}
          <Kbd>PgDn</Kbd> tracks · <Kbd>S</Kbd> split · <Kbd>M</Kbd> merge · <Kbd>Ctrl+Z</Kbd> undo · <Kbd>Esc</Kbd> back to the player
        </Typography>
      </Box>
    </Box>
  )
}

/** the tracks, each with its best crop and colour; Ctrl/Shift-click or the checkbox selects several */
const TrackList = memo(function TrackList(props: {
  tracks: TrackSummary[]
  framesOf: Map<number, TrackFrame[]>
  selected: ReadonlySet<number>
  primaryId: number | null
  onPick: (t: TrackSummary, additive: boolean) => void
}) {
  return (
    <Box sx={{ overflow: 'auto', flex: 1, minHeight: 0 }} data-testid="tracks">
      {props.tracks.map((t) => {
        const sel = props.selected.has(t.id)
        const best = props.framesOf.get(t.id)?.find((f) => f.frameIdx === t.bestFrame)
        return (
          <Box
            key={t.id}
            data-testid={`track-${t.id}`}
            data-selected={sel ? 'true' : 'false'}
            onClick={(e) => props.onPick(t, e.ctrlKey || e.metaKey || e.shiftKey)}
            sx={{
              display: 'grid',
              gridTemplateColumns: '28px 96px minmax(0, 1fr)',
              gap: 1,
              py: 0.75,
              pr: 1,
              alignItems: 'center',
              cursor: 'pointer',
              borderLeft: 4,
              borderLeftColor: trackColor(t.id),
              bgcolor: t.id === props.primaryId ? 'action.selected' : sel ? 'action.hover' : 'transparent',
              borderBottom: 1,
              borderBottomColor: 'divider'
            }}
          >
            <Checkbox
              size="small"
              checked={sel}
              onMouseDown={(e) => e.preventDefault()} // the focus stays put: the player's keys keep working
              onClick={(e) => {
                e.stopPropagation()
                props.onPick(t, true)
              }}
              slotProps={{ input: { 'aria-label': `select track ${t.text}` } }}
              sx={{ p: 0.25 }}
            />
            <Box sx={{ height: 40, bgcolor: 'black', borderRadius: 0.5, overflow: 'hidden' }}>
              {best ? (
                <MediaImage mediaId={t.mediaId} frameIdx={t.bestFrame} crop={paddedCrop(best.box, 0.6, 1.6)} maxSize={200} alt={`track ${t.text}`} fit="cover" sx={{ bgcolor: 'grey.800' }} />
              ) : (
                <Skeleton variant="rectangular" sx={{ width: '100%', height: '100%', bgcolor: 'grey.800' }} />
              )}
            </Box>
            <Box sx={{ minWidth: 0 }}>
              <Box data-testid={`text-of-track-${t.id}`}>
                <PlateText text={t.text} size="sm" />
              </Box>
              <Typography variant="caption" color="text.secondary" component="div" noWrap>
                frames {t.firstFrame}–{t.lastFrame} · {t.detections} seen · {Math.round(t.confidence * 100)}%
              </Typography>
            </Box>
          </Box>
        )
      })}
    </Box>
  )
})
