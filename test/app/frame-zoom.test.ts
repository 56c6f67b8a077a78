// The review frame's zoom/pan math and the failures table's reason text (pure renderer logic).
import { describe, expect, it } from 'vitest'
import { clampView, fitScale, loupeLayout, showBox, zoomAt } from '../../src/renderer/src/components/frameZoom'
import { failureReason } from '../../src/renderer/src/screens/Library/reason'

// a 1280x720 frame in a 630x270 viewport: it fits by height (scale 0.375), 480 px wide, centred
const f = { W: 1280, H: 720, vw: 630, vh: 270 }

describe('frame zoom', () => {
  it('fits, centres, and keeps a zoomed frame covering the viewport', () => {
    expect(fitScale(f)).toBeCloseTo(0.375)
    expect(clampView({ zoom: 1, tx: 999, ty: -999 }, f)).toEqual({ zoom: 1, tx: 75, ty: 0 })
    // 2x: 960x540 in 630x270, pans only within [vw - size, 0]
    expect(clampView({ zoom: 2, tx: 50, ty: -1000 }, f)).toEqual({ zoom: 2, tx: 0, ty: -270 })
    expect(clampView({ zoom: 0.2, tx: 0, ty: 0 }, f).zoom).toBe(1)
    expect(clampView({ zoom: 100, tx: 0, ty: 0 }, f).zoom).toBe(16)
  })

  it('zooms around the cursor: the image point under it stays put', () => {
    const v0 = clampView({ zoom: 1, tx: 0, ty: 0 }, f)
    const cx = 300
    const cy = 140
    const s0 = fitScale(f)
    const ix = (cx - v0.tx) / s0
    const iy = (cy - v0.ty) / s0
    const v = zoomAt(v0, f, 3, cx, cy)
    expect(v.zoom).toBe(3)
    expect(v.tx + ix * s0 * 3).toBeCloseTo(cx)
    expect(v.ty + iy * s0 * 3).toBeCloseTo(cy)
    // and back out to the whole frame, centred again
    expect(zoomAt(v, f, 1 / 3, 10, 10)).toEqual(v0)
  })

  it('brings a box out of view back into it, keeping the zoom', () => {
    const v = clampView({ zoom: 4, tx: 0, ty: 0 }, f) // top-left corner
    const far = { x1: 1100, y1: 600, x2: 1160, y2: 618 }
    const moved = showBox(v, f, far)
    expect(moved.zoom).toBe(4)
    const s = fitScale(f) * 4
    expect(far.x1 * s + moved.tx).toBeGreaterThanOrEqual(0)
    expect(far.x2 * s + moved.tx).toBeLessThanOrEqual(f.vw)
    expect(far.y2 * s + moved.ty).toBeLessThanOrEqual(f.vh)
    const near = { x1: 10, y1: 10, x2: 70, y2: 28 }
    expect(showBox(v, f, near)).toEqual(v)
  })

  it('the loupe shows a 60x18 plate at least 3x, away from it, and not once the frame shows it as large', () => {
    const plate = { x1: 200, y1: 500, x2: 260, y2: 518 } // bottom left of the frame
    const l = loupeLayout(plate, f, clampView({ zoom: 1, tx: 0, ty: 0 }, f))!
    expect(l).not.toBeNull()
    expect(l.scale).toBeGreaterThanOrEqual(3)
    expect(l.region.x1).toBeLessThan(plate.x1)
    expect(l.region.x2).toBeGreaterThan(plate.x2)
    expect(l.corner).toEqual({ left: false, top: true })
    expect(l.width).toBeLessThanOrEqual(280)
    expect(l.height).toBeLessThanOrEqual(f.vh)
    const zoomed = clampView({ zoom: 16, tx: -75 * 16, ty: -4000 }, f)
    expect(loupeLayout(plate, f, zoomed)).toBeNull()
  })
})

describe('failure reason', () => {
  it('drops the path the backend puts first, and names the file by its name where the cause repeats it', () => {
    expect(failureReason('/data/a b/x.jpg', '/data/a b/x.jpg: cannot decode (Input buffer contains unsupported image format)')).toBe(
      'cannot decode (Input buffer contains unsupported image format)'
    )
    expect(failureReason('/v/clip.mp4', "/v/clip.mp4: ffmpeg: /v/clip.mp4: Invalid data found")).toBe('ffmpeg: clip.mp4: Invalid data found')
    expect(failureReason('C:\\v\\a.jpg', 'C:\\v\\a.jpg: unsupported file type')).toBe('unsupported file type')
    expect(failureReason('/x.jpg', 'database is locked')).toBe('database is locked')
  })
})
