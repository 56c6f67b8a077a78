// The frame view's zoom and pan as plain math (screen pixels of the viewport; image pixels of the source).
import type { Box } from '@shared/types'

export const MAX_ZOOM = 16
/** the loupe's distance from the viewport's edges, screen pixels */
export const LOUPE_MARGIN = 8
/** room kept free at the bottom right for the zoom buttons */
export const CONTROLS_HEIGHT = 36

/** zoom: 1 = the whole frame fits; tx/ty: where the image's top-left corner sits in the viewport */
export interface View {
  zoom: number
  tx: number
  ty: number
}

export interface Fit {
  /** source size */
  W: number
  H: number
  /** viewport size */
  vw: number
  vh: number
}

/** screen pixels per image pixel at zoom 1 */
export function fitScale(f: Fit): number {
  return f.W > 0 && f.H > 0 && f.vw > 0 && f.vh > 0 ? Math.min(f.vw / f.W, f.vh / f.H) : 0
}

/** keeps the zoom in range and the image covering the viewport (centred along an axis where it is smaller) */
export function clampView(v: View, f: Fit): View {
  const zoom = Math.max(1, Math.min(MAX_ZOOM, v.zoom))
  const s = fitScale(f) * zoom
  const axis = (t: number, size: number, view: number): number => (size <= view ? (view - size) / 2 : Math.max(view - size, Math.min(0, t)))
  return { zoom, tx: axis(v.tx, f.W * s, f.vw), ty: axis(v.ty, f.H * s, f.vh) }
}

/** zooms by `factor` keeping the image point under (cx, cy) where it is */
export function zoomAt(v: View, f: Fit, factor: number, cx: number, cy: number): View {
  const cur = clampView(v, f)
  const s0 = fitScale(f)
  if (s0 <= 0) return cur
  const zoom = Math.max(1, Math.min(MAX_ZOOM, cur.zoom * factor))
  const ix = (cx - cur.tx) / (s0 * cur.zoom)
  const iy = (cy - cur.ty) / (s0 * cur.zoom)
  return clampView({ zoom, tx: cx - ix * s0 * zoom, ty: cy - iy * s0 * zoom }, f)
}

/** pans so the box is in view, if it is not (keeps the zoom) */
export function showBox(v: View, f: Fit, b: Box): View {
  const cur = clampView(v, f)
  const s = fitScale(f) * cur.zoom
  const inside = b.x1 * s + cur.tx >= 0 && b.y1 * s + cur.ty >= 0 && b.x2 * s + cur.tx <= f.vw && b.y2 * s + cur.ty <= f.vh
  if (inside) return cur
  return clampView({ zoom: cur.zoom, tx: f.vw / 2 - ((b.x1 + b.x2) / 2) * s, ty: f.vh / 2 - ((b.y1 + b.y2) / 2) * s }, f)
}

export interface Loupe {
  /** the part of the frame shown (image pixels): the box with some margin, inside the frame */
  region: Box
  /** screen pixels per image pixel in the loupe */
  scale: number
  width: number
  height: number
  /** corner of the viewport it sits in: the one away from the box */
  corner: { left: boolean; top: boolean }
  /** distance from the viewport's edge on that corner's side */
  offset: { x: number; y: number }
}

/**
 * The enlarged view of the current plate: the plate with a margin, fitted to a panel of about 280 px
 * (less in a small viewport), shown only while the frame itself shows the plate much smaller than that.
 */
export function loupeLayout(box: Box, f: Fit, v: View): Loupe | null {
  const s = fitScale(f) * v.zoom
  if (s <= 0) return null
  const w = box.x2 - box.x1
  const h = box.y2 - box.y1
  if (w <= 0 || h <= 0) return null
  const region = {
    x1: Math.max(0, Math.floor(box.x1 - w * 0.15)),
    y1: Math.max(0, Math.floor(box.y1 - h * 0.35)),
    x2: Math.min(f.W, Math.ceil(box.x2 + w * 0.15)),
    y2: Math.min(f.H, Math.ceil(box.y2 + h * 0.35))
  }
  const rw = region.x2 - region.x1
  const rh = region.y2 - region.y1
  if (rw <= 0 || rh <= 0) return null
  // one side of the viewport, as tall as it is (a short frame leaves little height to spare)
  const maxW = Math.min(280, f.vw * 0.45)
  const maxH = Math.min(200, f.vh - 2 * LOUPE_MARGIN)
  // a 60 px plate (78 px with its margin) comes out about 3.5x; tiny ones stop at 8x (no more detail)
  const scale = Math.min(8, maxW / rw, maxH / rh)
  // the frame already shows it this large: no loupe
  if (scale < s * 1.5) return null
  const width = rw * scale
  const height = rh * scale
  // the corner away from the box first, then any corner that leaves the box visible
  const b = { x1: box.x1 * s + v.tx, y1: box.y1 * s + v.ty, x2: box.x2 * s + v.tx, y2: box.y2 * s + v.ty }
  const left = (b.x1 + b.x2) / 2 > f.vw / 2
  const top = (b.y1 + b.y2) / 2 > f.vh / 2
  const corners = [
    { left, top },
    { left, top: !top },
    { left: !left, top },
    { left: !left, top: !top }
  ]
  const offset = (c: { left: boolean; top: boolean }) => ({ x: LOUPE_MARGIN, y: !c.left && !c.top ? LOUPE_MARGIN + CONTROLS_HEIGHT : LOUPE_MARGIN })
  const clear = (c: { left: boolean; top: boolean }): boolean => {
    const o = offset(c)
    const x1 = c.left ? o.x : f.vw - o.x - width
    const y1 = c.top ? o.y : f.vh - o.y - height
    return y1 >= 0 && (b.x2 <= x1 || b.x1 >= x1 + width || b.y2 <= y1 || b.y1 >= y1 + height)
  }
  const corner = corners.find(clear) ?? corners[0]
  return { region, scale, width, height, corner, offset: offset(corner) }
}
