// A plate's four corners on the frame (inside FrameView's SVG, in source-image pixels): the quadrilateral,
// and, when editable, a handle on each corner that can be dragged; the moved quad is reported on release.
import { useEffect, useState, type PointerEvent as RPointerEvent } from 'react'
import type { Quad } from '@shared/geometry'

const NAMES = ['top-left', 'top-right', 'bottom-right', 'bottom-left']

export function CornersOverlay(props: {
  corners: Quad
  /** one screen pixel in image units */
  px: number
  width: number
  height: number
  color: string
  editable?: boolean
  /** pointer position → image pixels */
  toImage: (e: { clientX: number; clientY: number }) => { x: number; y: number }
  onChange?: (corners: Quad) => void
}) {
  const { corners, px, width: W, height: H, color, editable, toImage, onChange } = props
  const [drag, setDrag] = useState<{ k: number; q: Quad } | null>(null)
  // the moved quad stays where it was dropped until the saved plate comes back
  const [edited, setEdited] = useState<Quad | null>(null)
  const key = JSON.stringify(corners)
  useEffect(() => setEdited(null), [key])
  const q = drag?.q ?? edited ?? corners
  const r = 5 * px
  const move = (e: RPointerEvent): void => {
    if (!drag) return
    const p = toImage(e)
    const next = q.map((c, i) => (i === drag.k ? [Math.max(0, Math.min(W, Math.round(p.x))), Math.max(0, Math.min(H, Math.round(p.y)))] : c)) as Quad
    setDrag({ k: drag.k, q: next })
  }
  const up = (e: RPointerEvent): void => {
    if (!drag) return
    ;(e.target as Element).releasePointerCapture?.(e.pointerId)
    setEdited(drag.q)
    setDrag(null)
    if (JSON.stringify(drag.q) !== key) onChange?.(drag.q)
  }
  return (
    <g data-testid="corners">
      <polygon
        data-testid="corners-polygon"
        points={q.map(([x, y]) => `${x},${y}`).join(' ')}
        fill="none"
        stroke={color}
        strokeWidth={1.5 * px}
        strokeDasharray={`${5 * px} ${3 * px}`}
        pointerEvents="none"
      />
      {editable &&
        q.map(([x, y], k) => (
          <circle
            key={k}
            data-testid={`corner-${NAMES[k]}`}
            cx={x}
            cy={y}
            r={r}
            fill="white"
            stroke={color}
            strokeWidth={1.5 * px}
            style={{ cursor: 'crosshair', touchAction: 'none' }}
            onPointerDown={(e) => {
              if (e.button !== 0) return
              e.stopPropagation()
              e.preventDefault()
              ;(e.target as Element).setPointerCapture?.(e.pointerId)
              setDrag({ k, q })
            }}
            onPointerMove={move}
            onPointerUp={up}
            onPointerCancel={() => setDrag(null)}
          />
        ))}
    </g>
  )
}
