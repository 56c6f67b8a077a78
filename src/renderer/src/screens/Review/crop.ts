import type { Box } from '@shared/types'

/** The plate box with some context around it (the backend clamps to the frame). */
export function paddedCrop(b: Box, padX = 0.25, padY = 0.6): Box {
  const w = b.x2 - b.x1
  const h = b.y2 - b.y1
  return {
    x1: Math.max(0, Math.round(b.x1 - w * padX)),
    y1: Math.max(0, Math.round(b.y1 - h * padY)),
    x2: Math.round(b.x2 + w * padX),
    y2: Math.round(b.y2 + h * padY)
  }
}
