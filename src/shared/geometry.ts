// Box arithmetic shared by the detector (NMS), the tracker, evaluation and exports.
import type { Box } from './types'

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1)
}

/** Intersection over union; 0 for disjoint or empty boxes. */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1))
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1))
  const inter = ix * iy
  if (inter <= 0) return 0
  return inter / (area(a) + area(b) - inter)
}

/** A plate's four corners in image pixels, clockwise from the top-left: TL, TR, BR, BL. */
export type Quad = [[number, number], [number, number], [number, number], [number, number]]

/** The axis-aligned box around a quad. */
export function quadBox(q: Quad): Box {
  const xs = q.map((p) => p[0])
  const ys = q.map((p) => p[1])
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) }
}

/**
 * Four points in any order → TL, TR, BR, BL: the two with the smallest y are the top edge (left one first),
 * the other two the bottom edge. Holds for plates tilted up to 45°, which is what a camera sees.
 */
export function orderQuad(points: [number, number][]): Quad {
  if (points.length !== 4 || points.some((p) => p.length !== 2 || !p.every(Number.isFinite))) throw new Error('a quad needs 4 points of 2 finite numbers')
  const byY = [...points].sort((a, b) => a[1] - b[1] || a[0] - b[0])
  const [tl, tr] = byY.slice(0, 2).sort((a, b) => a[0] - b[0])
  const [bl, br] = byY.slice(2).sort((a, b) => a[0] - b[0])
  return [tl, tr, br, bl].map((p) => [p[0], p[1]]) as Quad
}

/** A stored corners value (JSON text or already parsed) → a Quad, or null when absent or malformed. */
export function parseQuad(v: unknown): Quad | null {
  let a = v
  if (typeof v === 'string') {
    try {
      a = JSON.parse(v)
    } catch {
      return null
    }
  }
  if (!Array.isArray(a) || a.length !== 4) return null
  if (!a.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number' && Number.isFinite(n)))) return null
  return a as Quad
}
