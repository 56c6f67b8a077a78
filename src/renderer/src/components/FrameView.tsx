// The full frame with plate boxes. The current plate's box can be moved (drag inside) or resized (drag a
// handle); in draw mode a drag draws a new box. Coordinates are source-image pixels throughout.
// Zoom: the wheel (around the cursor), + / - / 0 outside text fields, or the buttons; pan: drag empty
// space (or middle-drag anywhere). Handles keep their screen size at any zoom, and a loupe shows the
// current plate enlarged while it is small on screen.
import { useCallback, useEffect, useRef, useState, type PointerEvent as RPointerEvent } from 'react'
import { Box, IconButton, Tooltip, Typography, useTheme } from '@mui/material'
import ZoomInRounded from '@mui/icons-material/ZoomInRounded'
import ZoomOutRounded from '@mui/icons-material/ZoomOutRounded'
import FitScreenRounded from '@mui/icons-material/FitScreenRounded'
import type { Box as BoxT } from '@shared/types'
import { useImage } from '../hooks/useImage'
import { isTextTarget } from '../hooks/useShortcut'
import { useSize } from '../hooks/useSize'
import { MediaImage } from './MediaImage'
import { MONO } from '../theme'
import type { Quad } from '@shared/geometry'
import { CornersOverlay } from './CornersOverlay'
import { clampView, fitScale as fitScaleOf, loupeLayout, showBox, zoomAt, type View } from './frameZoom'

export interface FrameBox {
  id: number
  box: BoxT
  label?: string
  dim?: boolean
}

type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w'
type Drag =
  | { kind: 'move'; start: { x: number; y: number }; orig: BoxT }
  | { kind: 'resize'; handle: Handle; orig: BoxT; grab: { x: number; y: number } }
  | { kind: 'draw'; start: { x: number; y: number } }
  | { kind: 'pan'; start: { x: number; y: number }; orig: View }

const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']
/** handle size in screen pixels, whatever the zoom (smaller on a box too small for it) */
const HANDLE_PX = 8
/** the frame preview's size; a zoomed-in view of a larger source asks for the full resolution */
const PREVIEW = 1280
const KEY_STEP = 1.5
const CURSORS: Record<Handle, string> = { nw: 'nwse-resize', se: 'nwse-resize', ne: 'nesw-resize', sw: 'nesw-resize', n: 'ns-resize', s: 'ns-resize', e: 'ew-resize', w: 'ew-resize' }

function handlePoint(b: BoxT, h: Handle): { x: number; y: number } {
  const mx = (b.x1 + b.x2) / 2
  const my = (b.y1 + b.y2) / 2
  const x = h.includes('w') ? b.x1 : h.includes('e') ? b.x2 : mx
  const y = h.includes('n') ? b.y1 : h.includes('s') ? b.y2 : my
  return { x, y }
}

function norm(b: BoxT, w: number, h: number): BoxT {
  const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)))
  return {
    x1: clamp(Math.min(b.x1, b.x2), w),
    y1: clamp(Math.min(b.y1, b.y2), h),
    x2: clamp(Math.max(b.x1, b.x2), w),
    y2: clamp(Math.max(b.y1, b.y2), h)
  }
}

export function FrameView(props: {
  mediaId: number
  frameIdx: number
  width: number
  height: number
  boxes?: FrameBox[]
  current?: FrameBox | null
  editable?: boolean
  drawing?: boolean
  onBoxChange?: (box: BoxT) => void
  onDrawn?: (box: BoxT) => void
  onSelectBox?: (id: number) => void
  /** the current plate's corners, drawn as a polygon; draggable when editable and onCornersChange is given */
  corners?: Quad | null
  onCornersChange?: (corners: Quad) => void
}) {
  const { mediaId, frameIdx, width: W, height: H, boxes = [], current, editable, drawing, onBoxChange, onDrawn, onSelectBox } = props
  const theme = useTheme()
  const outer = useRef<HTMLDivElement>(null)
  const svg = useRef<SVGSVGElement>(null)
  const size = useSize(outer)
  const [drag, setDrag] = useState<Drag | null>(null)
  const [draft, setDraft] = useState<BoxT | null>(null)
  // the edited box stays where it was dropped until the saved plate comes back
  const [edited, setEdited] = useState<BoxT | null>(null)
  const [rawView, setView] = useState<View>({ zoom: 1, tx: 0, ty: 0 })

  useEffect(() => {
    setDraft(null)
    setEdited(null)
    setDrag(null)
  }, [current?.id, current?.box.x1, current?.box.y1, current?.box.x2, current?.box.y2, drawing])

  // the zoom and pan are kept in state as asked for and clamped to the viewport as shown
  const fit = { W, H, vw: size.width, vh: size.height }
  const view = clampView(rawView, fit)
  const scale = fitScaleOf(fit) * view.zoom
  const dispW = W * scale
  const dispH = H * scale
  const px = scale > 0 ? 1 / scale : 1 // one screen pixel in image units
  const live = useRef({ view, fit })
  live.current = { view, fit }

  const zoomBy = useCallback((factor: number, at?: { x: number; y: number }) => {
    const { view: v, fit: f } = live.current
    setView(zoomAt(v, f, factor, at?.x ?? f.vw / 2, at?.y ?? f.vh / 2))
  }, [])
  const resetZoom = useCallback(() => setView({ zoom: 1, tx: 0, ty: 0 }), [])

  // another file: back to the whole frame; another plate of this frame: keep the zoom, bring it into view
  useEffect(resetZoom, [mediaId, resetZoom])
  const cb = current?.box
  useEffect(() => {
    if (!cb) return
    setView((v) => showBox(v, live.current.fit, cb))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.id, frameIdx])

  // the wheel zooms around the cursor (a listener of our own: React's wheel listener cannot preventDefault)
  useEffect(() => {
    const el = outer.current
    if (!el) return
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault()
      const r = el.getBoundingClientRect()
      const dy = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY
      zoomBy(Math.exp(-dy * 0.002), { x: e.clientX - r.left, y: e.clientY - r.top })
    }
    el.addEventListener('wheel', onWheel, { passive: false })
    return () => el.removeEventListener('wheel', onWheel)
  }, [zoomBy])

  // + / - / 0 zoom in, out, to fit; never while a text field has the focus (they would type there) or a
  // dialog is open over the frame
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey || isTextTarget(e.target)) return
      if ((e.target as Element | null)?.closest?.('[role="dialog"]')) return
      if (e.key === '+' || e.key === '=') zoomBy(KEY_STEP)
      else if (e.key === '-' || e.key === '_') zoomBy(1 / KEY_STEP)
      else if (e.key === '0') resetZoom()
      else return
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [zoomBy, resetZoom])

  // a zoomed-in view of a source larger than the preview gets the full resolution once it loads
  const hiRes = Math.max(W, H) > PREVIEW && Math.max(dispW, dispH) > PREVIEW * 1.1
  const hi = useImage(hiRes ? { mediaId, frameIdx, maxSize: Math.min(4096, Math.max(W, H)) } : null)

  const toImage = (e: { clientX: number; clientY: number }): { x: number; y: number } => {
    const r = svg.current!.getBoundingClientRect()
    return { x: ((e.clientX - r.left) / r.width) * W, y: ((e.clientY - r.top) / r.height) * H }
  }

  const begin = (e: RPointerEvent, d: Drag): void => {
    e.stopPropagation()
    e.preventDefault()
    // a pan may start beside the picture: the viewport follows the pointer; box edits go to the svg
    ;(d.kind === 'pan' ? outer.current : svg.current)?.setPointerCapture(e.pointerId)
    setDrag(d)
  }

  const onMove = (e: RPointerEvent): void => {
    if (!drag) return
    if (drag.kind === 'pan') {
      setView(clampView({ ...drag.orig, tx: drag.orig.tx + e.clientX - drag.start.x, ty: drag.orig.ty + e.clientY - drag.start.y }, live.current.fit))
      return
    }
    const p = toImage(e)
    if (drag.kind === 'draw') setDraft(norm({ x1: drag.start.x, y1: drag.start.y, x2: p.x, y2: p.y }, W, H))
    else if (drag.kind === 'move') {
      const dx = Math.max(-drag.orig.x1, Math.min(W - drag.orig.x2, p.x - drag.start.x))
      const dy = Math.max(-drag.orig.y1, Math.min(H - drag.orig.y2, p.y - drag.start.y))
      setDraft(norm({ x1: drag.orig.x1 + dx, y1: drag.orig.y1 + dy, x2: drag.orig.x2 + dx, y2: drag.orig.y2 + dy }, W, H))
    } else {
      // the edge moves with the pointer from where it was grabbed (the handle sits beside the edge)
      const b = { ...drag.orig }
      const x = p.x - drag.grab.x
      const y = p.y - drag.grab.y
      if (drag.handle.includes('w')) b.x1 = x
      if (drag.handle.includes('e')) b.x2 = x
      if (drag.handle.includes('n')) b.y1 = y
      if (drag.handle.includes('s')) b.y2 = y
      setDraft(norm(b, W, H))
    }
  }

  const onUp = (e: RPointerEvent): void => {
    if (!drag) return
    ;(e.target as Element).releasePointerCapture?.(e.pointerId)
    const d = draft
    setDrag(null)
    setDraft(null)
    if (drag.kind === 'pan') return
    if (!d || d.x2 - d.x1 < 4 || d.y2 - d.y1 < 3) return
    if (drag.kind === 'draw') onDrawn?.(d)
    else {
      setEdited(d)
      onBoxChange?.(d)
    }
  }

  const cur = current ? { ...current, box: (drag && (drag.kind === 'move' || drag.kind === 'resize') && draft) || edited || current.box } : null
  const accent = theme.palette.primary.main
  const other = theme.palette.mode === 'dark' ? 'rgba(255,255,255,0.75)' : 'rgba(255,255,255,0.9)'
  // handles: HANDLE_PX on screen at any zoom, just outside the box so they never hide the plate; the
  // middle ones only where the side is long enough for three
  const boxW = cur ? (cur.box.x2 - cur.box.x1) * scale : 0
  const boxH = cur ? (cur.box.y2 - cur.box.y1) * scale : 0
  const hs = HANDLE_PX * px
  const shownHandles = HANDLES.filter((h) => (h === 'n' || h === 's' ? boxW >= 3 * HANDLE_PX : h === 'e' || h === 'w' ? boxH >= 3 * HANDLE_PX : true))
  const loupe = current && scale > 0 ? loupeLayout(current.box, fit, view) : null
  const zoomed = view.zoom > 1.001

  return (
    <Box
      ref={outer}
      data-testid="frame-viewport"
      sx={{ position: 'relative', width: '100%', height: '100%', minHeight: 120, overflow: 'hidden', userSelect: 'none', touchAction: 'none' }}
      style={{ cursor: drag?.kind === 'pan' ? 'grabbing' : zoomed && !drawing ? 'grab' : undefined }}
      onPointerDown={(e) => {
        // what no box or handle took: the middle button pans anywhere (even while drawing), the left one
        // pans a zoomed frame
        if (e.button === 1 || (e.button === 0 && !drawing && zoomed)) begin(e, { kind: 'pan', start: { x: e.clientX, y: e.clientY }, orig: view })
      }}
      onPointerMove={onMove}
      onPointerUp={onUp}
      onPointerCancel={() => {
        setDrag(null)
        setDraft(null)
      }}
    >
      {scale > 0 && (
        <Box
          data-testid="frame-stage"
          style={{ position: 'absolute', left: 0, top: 0, width: dispW, height: dispH, transform: `translate(${view.tx}px, ${view.ty}px)`, transformOrigin: '0 0' }}
          sx={{ bgcolor: 'black', borderRadius: zoomed ? 0 : 1, overflow: 'hidden' }}
        >
          <MediaImage mediaId={mediaId} frameIdx={frameIdx} maxSize={PREVIEW} alt={`frame ${frameIdx}`} />
          {hiRes && hi && <img src={hi.dataUrl} alt="" draggable={false} style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }} />}
          <svg
            ref={svg}
            data-testid="frame"
            data-media-id={mediaId}
            data-frame-idx={frameIdx}
            data-zoom={view.zoom.toFixed(3)}
            data-scale={scale.toFixed(5)}
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="none"
            width={dispW}
            height={dispH}
            style={{ position: 'absolute', inset: 0, cursor: drag?.kind === 'pan' ? 'grabbing' : drawing ? 'crosshair' : zoomed ? 'grab' : 'default' }}
            onPointerDown={(e) => {
              if (drawing && e.button === 0) begin(e, { kind: 'draw', start: toImage(e) })
            }}
          >
            {boxes
              .filter((b) => b.id !== current?.id)
              .map((b) => (
                <g
                  key={b.id}
                  onPointerDown={(e) => e.button === 0 && !drawing && onSelectBox && (e.stopPropagation(), onSelectBox(b.id))}
                  style={{ cursor: onSelectBox ? 'pointer' : undefined }}
                >
                  <rect
                    x={b.box.x1}
                    y={b.box.y1}
                    width={b.box.x2 - b.box.x1}
                    height={b.box.y2 - b.box.y1}
                    fill="rgba(0,0,0,0.001)"
                    stroke={b.dim ? 'rgba(255,255,255,0.35)' : other}
                    strokeWidth={1.5 * px}
                    strokeDasharray={b.dim ? `${4 * px} ${3 * px}` : undefined}
                  />
                  {b.label && <Tag x={b.box.x1} y={b.box.y1} text={b.label} px={px} bg={b.dim ? 'rgba(0,0,0,0.45)' : 'rgba(0,0,0,0.7)'} fg={other} />}
                </g>
              ))}
            {cur && (
              <g>
                <rect
                  data-testid="current-box"
                  x={cur.box.x1}
                  y={cur.box.y1}
                  width={cur.box.x2 - cur.box.x1}
                  height={cur.box.y2 - cur.box.y1}
                  fill={`${accent}22`}
                  stroke={accent}
                  strokeWidth={2 * px}
                  style={{ cursor: editable && !drawing ? 'move' : undefined }}
                  onPointerDown={(e) => {
                    if (editable && !drawing && e.button === 0) begin(e, { kind: 'move', start: toImage(e), orig: cur.box })
                  }}
                />
                {cur.label && <Tag x={cur.box.x1} y={cur.box.y1} text={cur.label} px={px} bg={accent} fg="#fff" />}
                {editable &&
                  !drawing &&
                  shownHandles.map((h) => {
                    const p = handlePoint(cur.box, h)
                    const x = h.includes('w') ? p.x - hs : h.includes('e') ? p.x : p.x - hs / 2
                    const y = h.includes('n') ? p.y - hs : h.includes('s') ? p.y : p.y - hs / 2
                    return (
                      <rect
                        key={h}
                        data-testid={`handle-${h}`}
                        x={x}
                        y={y}
                        width={hs}
                        height={hs}
                        fill="white"
                        stroke={accent}
                        strokeWidth={1.25 * px}
                        style={{ cursor: CURSORS[h] }}
                        onPointerDown={(e) => {
                          if (e.button !== 0) return
                          const at = toImage(e)
                          begin(e, { kind: 'resize', handle: h, orig: cur.box, grab: { x: at.x - p.x, y: at.y - p.y } })
                        }}
                      />
                    )
                  })}
              </g>
            )}
            {current && props.corners && (
              <CornersOverlay
                corners={props.corners}
                px={px}
                width={W}
                height={H}
                color={theme.palette.secondary.main}
                editable={editable && !drawing && !!props.onCornersChange}
                toImage={toImage}
                onChange={props.onCornersChange}
              />
            )}
            {drag?.kind === 'draw' && draft && (
              <rect
                x={draft.x1}
                y={draft.y1}
                width={draft.x2 - draft.x1}
                height={draft.y2 - draft.y1}
                fill={`${theme.palette.secondary.main}33`}
                stroke={theme.palette.secondary.main}
                strokeWidth={2 * px}
                strokeDasharray={`${6 * px} ${3 * px}`}
              />
            )}
          </svg>
        </Box>
      )}
      {loupe && cur && (
        <Box
          data-testid="loupe"
          data-scale={loupe.scale.toFixed(3)}
          sx={{
            position: 'absolute',
            [loupe.corner.left ? 'left' : 'right']: loupe.offset.x,
            [loupe.corner.top ? 'top' : 'bottom']: loupe.offset.y,
            width: loupe.width,
            height: loupe.height,
            bgcolor: 'black',
            border: 2,
            borderColor: accent,
            borderRadius: 1,
            overflow: 'hidden',
            boxShadow: 4,
            pointerEvents: 'none' // the frame under it stays clickable
          }}
        >
          <MediaImage
            mediaId={mediaId}
            frameIdx={frameIdx}
            crop={loupe.region}
            maxSize={Math.min(4096, Math.ceil(Math.max(loupe.width, loupe.height)))}
            alt={`plate ${cur.label ?? ''} enlarged`}
            fit="fill"
          />
          <svg
            viewBox={`${loupe.region.x1} ${loupe.region.y1} ${loupe.region.x2 - loupe.region.x1} ${loupe.region.y2 - loupe.region.y1}`}
            preserveAspectRatio="none"
            style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}
          >
            <rect
              data-testid="loupe-box"
              x={cur.box.x1}
              y={cur.box.y1}
              width={cur.box.x2 - cur.box.x1}
              height={cur.box.y2 - cur.box.y1}
              fill="none"
              stroke={accent}
              strokeWidth={1.5 / loupe.scale}
            />
          </svg>
        </Box>
      )}
      {scale > 0 && (
        <Box
          onPointerDown={(e) => e.stopPropagation()} // a click on a button, not a pan
          sx={{
            position: 'absolute',
            right: 6,
            bottom: 6,
            display: 'flex',
            alignItems: 'center',
            gap: 0.25,
            px: 0.5,
            borderRadius: 1,
            bgcolor: 'rgba(0,0,0,0.55)',
            color: '#fff',
            '& .Mui-disabled': { color: 'rgba(255,255,255,0.35) !important' }
          }}
        >
          <Typography variant="caption" data-testid="frame-zoom" sx={{ minWidth: 40, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
            {Math.round(view.zoom * 100)}%
          </Typography>
          <Tooltip title="Zoom out (−, or the wheel)">
            <IconButton size="small" color="inherit" onClick={() => zoomBy(1 / KEY_STEP)} disabled={!zoomed} aria-label="zoom out" data-testid="zoom-out">
              <ZoomOutRounded fontSize="small" />
            </IconButton>
          </Tooltip>
          <Tooltip title="Zoom in (+, or the wheel)">
            <IconButton size="small" color="inherit" onClick={() => zoomBy(KEY_STEP)} aria-label="zoom in" data-testid="zoom-in">
              <ZoomInRounded fontSize="small" />
            </IconButton>
          </Tooltip>
          <Tooltip title="Whole frame (0)">
            <IconButton size="small" color="inherit" onClick={resetZoom} disabled={!zoomed} aria-label="whole frame" data-testid="zoom-fit">
              <FitScreenRounded fontSize="small" />
            </IconButton>
          </Tooltip>
        </Box>
      )}
    </Box>
  )
}

/** A label above a box: text on a filled tag, sized in screen pixels whatever the frame's scale. */
function Tag({ x, y, text, px, bg, fg }: { x: number; y: number; text: string; px: number; bg: string; fg: string }) {
  const fs = 12 * px
  const h = 17 * px
  const w = (text.length * 0.62 * 12 + 8) * px
  const top = y - h - 2 * px >= 0 ? y - h - 2 * px : y + 2 * px
  return (
    <g pointerEvents="none">
      <rect x={x} y={top} width={w} height={h} rx={2 * px} fill={bg} />
      <text x={x + 4 * px} y={top + h - 4.5 * px} fill={fg} fontSize={fs} fontFamily={MONO} fontWeight={700}>
        {text}
      </text>
    </g>
  )
}
