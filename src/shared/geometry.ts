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
