// The full frame with plate boxes. The current plate's box can be moved (drag inside) or resized (drag a
// handle); in draw mode a drag draws a new box. Coordinates are source-image pixels throughout.
import { useEffect, useRef, useState, type PointerEvent as RPointerEvent } from 'react'
import { Box, useTheme } from '@mui/material'
import type { Box as BoxT } from '@shared/types'
import { useSize } from '../hooks/useSize'
import { MediaImage } from './MediaImage'
import { MONO } from '../theme'
import type { Quad } from '@shared/geometry'
import { CornersOverlay } from './CornersOverlay'

export interface FrameBox {
  id: number
  box: BoxT
  label?: string
  dim?: boolean
}

type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w'
type Drag =
  | { kind: 'move'; start: { x: number; y: number }; orig: BoxT }
  | { kind: 'resize'; handle: Handle; orig: BoxT }
  | { kind: 'draw'; start: { x: number; y: number } }

const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']
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

  useEffect(() => {
    setDraft(null)
    setEdited(null)
    setDrag(null)
  }, [current?.id, current?.box.x1, current?.box.y1, current?.box.x2, current?.box.y2, drawing])

  // fit the frame into the available space, keeping its aspect ratio
  const scale = W > 0 && H > 0 && size.width > 0 ? Math.min(size.width / W, size.height / H) : 0
  const dispW = Math.floor(W * scale)
  const dispH = Math.floor(H * scale)
  const px = scale > 0 ? 1 / scale : 1 // one screen pixel in image units

  const toImage = (e: { clientX: number; clientY: number }): { x: number; y: number } => {
    const r = svg.current!.getBoundingClientRect()
    return { x: ((e.clientX - r.left) / r.width) * W, y: ((e.clientY - r.top) / r.height) * H }
  }

  const begin = (e: RPointerEvent, d: Drag): void => {
    e.stopPropagation()
    e.preventDefault()
    svg.current?.setPointerCapture(e.pointerId)
    setDrag(d)
  }

  const onMove = (e: RPointerEvent): void => {
    if (!drag) return
    const p = toImage(e)
    if (drag.kind === 'draw') setDraft(norm({ x1: drag.start.x, y1: drag.start.y, x2: p.x, y2: p.y }, W, H))
    else if (drag.kind === 'move') {
      const dx = Math.max(-drag.orig.x1, Math.min(W - drag.orig.x2, p.x - drag.start.x))
      const dy = Math.max(-drag.orig.y1, Math.min(H - drag.orig.y2, p.y - drag.start.y))
      setDraft(norm({ x1: drag.orig.x1 + dx, y1: drag.orig.y1 + dy, x2: drag.orig.x2 + dx, y2: drag.orig.y2 + dy }, W, H))
    } else {
      const b = { ...drag.orig }
      if (drag.handle.includes('w')) b.x1 = p.x
      if (drag.handle.includes('e')) b.x2 = p.x
      if (drag.handle.includes('n')) b.y1 = p.y
      if (drag.handle.includes('s')) b.y2 = p.y
      setDraft(norm(b, W, H))
    }
  }

  const onUp = (e: RPointerEvent): void => {
    if (!drag) return
    svg.current?.releasePointerCapture(e.pointerId)
    const d = draft
    setDrag(null)
    setDraft(null)
    if (!d || d.x2 - d.x1 < 4 || d.y2 - d.y1 < 3) return
    if (drag.kind === 'draw') onDrawn?.(d)
    else {
      setEdited(d)
      onBoxChange?.(d)
    }
  }

  const cur = current ? { ...current, box: (drag && drag.kind !== 'draw' && draft) || edited || current.box } : null
  const accent = theme.palette.primary.main
  const other = theme.palette.mode === 'dark' ? 'rgba(255,255,255,0.75)' : 'rgba(255,255,255,0.9)'
  const hs = 7 * px

  return (
    <Box ref={outer} sx={{ width: '100%', height: '100%', minHeight: 120, display: 'grid', placeItems: 'center', overflow: 'hidden' }}>
      {scale > 0 && (
        <Box sx={{ position: 'relative', width: dispW, height: dispH, bgcolor: 'black', borderRadius: 1, overflow: 'hidden' }}>
          <MediaImage mediaId={mediaId} frameIdx={frameIdx} maxSize={1280} alt={`frame ${frameIdx}`} />
          <svg
            ref={svg}
            data-testid="frame"
            data-media-id={mediaId}
            data-frame-idx={frameIdx}
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="none"
            width={dispW}
            height={dispH}
            style={{ position: 'absolute', inset: 0, cursor: drawing ? 'crosshair' : 'default', touchAction: 'none' }}
            onPointerDown={(e) => {
              if (drawing && e.button === 0) begin(e, { kind: 'draw', start: toImage(e) })
            }}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerCancel={() => {
              setDrag(null)
              setDraft(null)
            }}
          >
            {boxes
              .filter((b) => b.id !== current?.id)
              .map((b) => (
                <g key={b.id} onPointerDown={(e) => !drawing && onSelectBox && (e.stopPropagation(), onSelectBox(b.id))} style={{ cursor: onSelectBox ? 'pointer' : undefined }}>
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
                  HANDLES.map((h) => {
                    const p = handlePoint(cur.box, h)
                    return (
                      <rect
                        key={h}
                        data-testid={`handle-${h}`}
                        x={p.x - hs / 2}
                        y={p.y - hs / 2}
                        width={hs}
                        height={hs}
                        fill="white"
                        stroke={accent}
                        strokeWidth={1.5 * px}
                        style={{ cursor: CURSORS[h] }}
                        onPointerDown={(e) => e.button === 0 && begin(e, { kind: 'resize', handle: h, orig: cur.box })}
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
