// The moving picture with every track's box drawn over it. Two sources: the browser's own <video> (the
// library file, /media/<id>/video, seeking by byte ranges), or, where the codec is one the browser cannot
// play, the library's frames decoded on demand by the backend ('media.image'), one at a time, the next
// ones fetched ahead. Either way a frame that has not arrived shows a placeholder, never a black or stale
// picture under boxes of another time. The parent owns the clock: the player reports the time it shows.
import { forwardRef, memo, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react'
import { Box, CircularProgress, Typography } from '@mui/material'
import type { TrackFrame } from '@shared/types'
import { loadImage, useImage } from '../../hooks/useImage'
import { MONO } from '../../theme'
import { boxAt, frameAt, lastFrame, timeOfFrame, trackColor } from './playback'

export interface PlayerHandle {
  play(): void
  pause(): void
  toggle(): void
  /** pauses and shows sampled frame idx (clamped to the video) */
  seekFrame(idx: number): void
  /** pauses and moves by `delta` sampled frames */
  step(delta: number): void
}

export interface OverlayTrack {
  id: number
  text: string
  frames: TrackFrame[] | undefined
}

export type PlayerSource = 'video' | 'frames'

interface Props {
  mediaId: number
  /** the video's address for <video> */
  src: string
  source: PlayerSource
  /** the library's sampling rate (frame i at i / fps s) */
  fps: number
  durationS: number
  width: number
  height: number
  timeS: number
  tracks: OverlayTrack[]
  selected: ReadonlySet<number>
  onTime: (t: number) => void
  onPlaying: (playing: boolean) => void
  onPickTrack: (id: number, additive: boolean) => void
  /** the browser cannot play this file (codec, container): the parent switches to frames */
  onUnsupported: (why: string) => void
}

/** the frames mode's preview size (the same as Review's frame) */
const FRAME_SIZE = 1280
/** frames fetched ahead while playing from frames */
const AHEAD = 3

export const Player = memo(
  forwardRef<PlayerHandle, Props>(function Player(props, ref) {
    const { source, fps, durationS, width: W, height: H, timeS } = props
    const video = useRef<HTMLVideoElement>(null)
    const last = lastFrame(durationS, fps)
    const onTime = useRef(props.onTime)
    onTime.current = props.onTime
    const onPlaying = useRef(props.onPlaying)
    onPlaying.current = props.onPlaying
    const timeRef = useRef(timeS)
    timeRef.current = timeS
    const onUnsupported = useRef(props.onUnsupported)
    onUnsupported.current = props.onUnsupported

    // ------------------------------------------------------------ video source
    const [loaded, setLoaded] = useState(false)
    const [seeking, setSeeking] = useState(false)
    useEffect(() => {
      setLoaded(false)
      setSeeking(false)
    }, [props.src, source])
    useEffect(() => {
      const v = video.current
      if (!v || source !== 'video') return
      let live = true
      let handle = 0
      const report = (): void => {
        if (live) onTime.current(v.currentTime)
      }
      // every presented frame (requestVideoFrameCallback), so boxes move with the picture
      const tick = (): void => {
        report()
        schedule()
      }
      const schedule = (): void => {
        handle = 'requestVideoFrameCallback' in v ? v.requestVideoFrameCallback(tick) : requestAnimationFrame(tick)
      }
      schedule()
      const on: Record<string, () => void> = {
        loadeddata: () => {
          // back from frames (or a route): the picture at the time the screen shows
          if (Math.abs(v.currentTime - timeRef.current) > 0.01) v.currentTime = timeRef.current
          setLoaded(true)
        },
        seeking: () => setSeeking(true),
        seeked: () => {
          setSeeking(false)
          report()
        },
        timeupdate: report,
        play: () => onPlaying.current(true),
        pause: () => onPlaying.current(false),
        ended: () => onPlaying.current(false),
        error: () => {
          const e = v.error
          // a format the browser cannot decode (not a network or abort error): show the library's frames
          if (e && (e.code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED || e.code === MediaError.MEDIA_ERR_DECODE)) {
            onUnsupported.current(e.message || `media error ${e.code}`)
          }
        }
      }
      for (const [k, f] of Object.entries(on)) v.addEventListener(k, f)
      if (v.readyState >= 2) setLoaded(true)
      return () => {
        live = false
        if ('cancelVideoFrameCallback' in v) v.cancelVideoFrameCallback(handle)
        cancelAnimationFrame(handle)
        for (const [k, f] of Object.entries(on)) v.removeEventListener(k, f)
      }
    }, [props.src, source])

    // ------------------------------------------------------------ frames source
    const [framesPlaying, setFramesPlaying] = useState(false)
    const frame = Math.min(frameAt(timeS, fps), last)
    const img = useImage(source === 'frames' ? { mediaId: props.mediaId, frameIdx: frame, maxSize: FRAME_SIZE } : null)
    const frameRef = useRef(frame)
    frameRef.current = frame
    useEffect(() => {
      if (source !== 'frames' || !framesPlaying) return
      // the next frame is shown when it has arrived and its time has come, whichever is later
      let live = true
      let shownAt = performance.now()
      const run = async (): Promise<void> => {
        let i = frameRef.current
        while (live && i < last) {
          for (let k = 2; k <= AHEAD; k++) if (i + k <= last) void loadImage({ mediaId: props.mediaId, frameIdx: i + k, maxSize: FRAME_SIZE }).catch(() => undefined)
          await loadImage({ mediaId: props.mediaId, frameIdx: i + 1, maxSize: FRAME_SIZE }).catch(() => undefined)
          const wait = shownAt + 1000 / fps - performance.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
          if (!live) return
          i++
          shownAt = performance.now()
          onTime.current(timeOfFrame(i, fps))
        }
        if (live) setFramesPlaying(false)
      }
      void run()
      return () => {
        live = false
      }
    }, [source, framesPlaying, fps, last, props.mediaId])
    useEffect(() => onPlaying.current(framesPlaying), [framesPlaying])
    useEffect(() => {
      if (source === 'video') setFramesPlaying(false)
      else video.current?.pause()
    }, [source])

    // ------------------------------------------------------------ controls
    const seekFrame = useCallback(
      (idx: number) => {
        const i = Math.max(0, Math.min(last, Math.round(idx)))
        const t = timeOfFrame(i, fps)
        if (source === 'video' && video.current) {
          video.current.pause()
          video.current.currentTime = t
        } else setFramesPlaying(false)
        onTime.current(t)
      },
      [source, fps, last]
    )
    const handle: PlayerHandle = {
      play: () => {
        if (source === 'video') void video.current?.play().catch(() => undefined)
        else {
          if (frameRef.current >= last) onTime.current(timeOfFrame(0, fps))
          setFramesPlaying(true)
        }
      },
      pause: () => (source === 'video' ? video.current?.pause() : setFramesPlaying(false)),
      toggle: () => {
        const v = video.current
        const playing = source === 'video' ? !!v && !v.paused && !v.ended : framesPlaying
        if (playing) handle.pause()
        else handle.play()
      },
      seekFrame,
      step: (delta) => {
        const now = source === 'video' && video.current ? frameAt(video.current.currentTime, fps) : frameRef.current
        seekFrame(now + delta)
      }
    }
    useImperativeHandle(ref, () => handle)

    // ------------------------------------------------------------ picture state
    // a placeholder until the picture for this time is there (never black, never a stale frame under
    // boxes of another time); a seek that is quick keeps the picture, a slow one shows the placeholder
    const [slowSeek, setSlowSeek] = useState(false)
    useEffect(() => {
      if (!seeking) return setSlowSeek(false)
      const t = setTimeout(() => setSlowSeek(true), 200)
      return () => clearTimeout(t)
    }, [seeking])
    const pictureReady = source === 'video' ? loaded && !slowSeek : !!img
    const f = timeS * fps

    return (
      <Box
        data-testid="player"
        data-source={source}
        data-frame={frame}
        data-ready={pictureReady ? 'true' : 'false'}
        sx={{ position: 'relative', width: '100%', height: '100%', bgcolor: '#000', borderRadius: 1, overflow: 'hidden' }}
      >
        {source === 'video' ? (
          <video
            ref={video}
            src={props.src}
            muted
            playsInline
            preload="auto"
            data-testid="video"
            style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', objectFit: 'contain', display: 'block' }}
          />
        ) : (
          img && (
            <Box
              component="img"
              src={img.dataUrl}
              alt={`frame ${frame}`}
              draggable={false}
              sx={{ position: 'absolute', inset: 0, width: '100%', height: '100%', objectFit: 'contain', display: 'block' }}
            />
          )
        )}
        {pictureReady && (
          <svg
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="xMidYMid meet"
            style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }}
            data-testid="overlay"
          >
            {props.tracks.map((t) => {
              const b = t.frames ? boxAt(t.frames, f) : null
              if (!b) return null
              const sel = props.selected.has(t.id)
              const color = trackColor(t.id)
              const fs = Math.max(14, H / 34)
              const label = t.text || '—'
              const lw = label.length * fs * 0.68 + fs * 0.6
              const ly = b.y1 - fs * 1.35 < 0 ? b.y2 : b.y1 - fs * 1.35
              return (
                <g key={t.id} data-testid={`box-${t.id}`} data-selected={sel ? 'true' : 'false'}>
                  <rect
                    x={b.x1}
                    y={b.y1}
                    width={b.x2 - b.x1}
                    height={b.y2 - b.y1}
                    fill={sel ? 'rgba(255,255,255,0.08)' : 'transparent'}
                    stroke={color}
                    strokeWidth={sel ? 4 : 2}
                    vectorEffect="non-scaling-stroke"
                    style={{ pointerEvents: 'all', cursor: 'pointer' }}
                    onClick={(e) => props.onPickTrack(t.id, e.ctrlKey || e.metaKey || e.shiftKey)}
                  />
                  <rect x={b.x1} y={ly} width={lw} height={fs * 1.35} fill={color} opacity={sel ? 1 : 0.85} rx={fs * 0.15} />
                  <text x={b.x1 + fs * 0.3} y={ly + fs * 1.05} fontSize={fs} fontFamily={MONO} fontWeight={700} fill="#111">
                    {label}
                  </text>
                </g>
              )
            })}
          </svg>
        )}
        {!pictureReady && (
          <Box
            data-testid="frame-placeholder"
            sx={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center', bgcolor: 'grey.900', color: 'grey.400' }}
          >
            <Box sx={{ textAlign: 'center' }}>
              <CircularProgress size={28} color="inherit" />
              <Typography variant="body2" sx={{ mt: 1 }}>
                Loading frame {frame}…
              </Typography>
            </Box>
          </Box>
        )}
      </Box>
    )
  })
)
