// The current plate's frame with the other plates of it, under the editor. Memoised, and fed a deferred
// plate by the screen: a key shows the next plate's text first, the frame follows in the next render.
import { memo, useMemo } from 'react'
import { Box, Stack, Typography } from '@mui/material'
import type { Box as BoxT, PlateDetail, PlateRow } from '@shared/types'
import { FrameView } from '../../components/FrameView'
import { Kbd } from '../../components/Kbd'
import { displayPath } from '@shared/display'

export const FrameArea = memo(function FrameArea(props: {
  plate: PlateDetail
  /** the plates of its media, when fetched */
  siblings: PlateRow[] | undefined
  drawing: boolean
  onBoxChange: (box: BoxT) => void
  onCornersChange: (corners: NonNullable<PlateRow['corners']> | null) => void
  onDrawn: (box: BoxT) => void
  onSelectBox: (id: number) => void
}) {
  const { plate, siblings, drawing } = props
  const boxes = useMemo(
    () =>
      (siblings ?? [])
        .filter((p) => p.mediaId === plate.mediaId && p.frameIdx === plate.frameIdx)
        .map((p) => ({ id: p.id, box: p.box, label: p.reviewState === 'rejected' ? `✕ ${p.text}` : p.text || '?', dim: p.reviewState === 'rejected' })),
    [siblings, plate.mediaId, plate.frameIdx]
  )
  const current = useMemo(() => ({ id: plate.id, box: plate.box, label: plate.text }), [plate.id, plate.box, plate.text])
  return (
    <>
      <Stack direction="row" sx={{ px: 2, py: 0.75, alignItems: 'center', gap: 1.5 }}>
        <Typography variant="caption" color="text.secondary" noWrap sx={{ flex: 1, minWidth: 0 }} title={displayPath(plate.mediaPath)}>
          {displayPath(plate.mediaPath)}
          {plate.mediaKind === 'video' ? ` · frame ${plate.frameIdx}${plate.frameTimeS != null ? ` (${plate.frameTimeS.toFixed(2)} s)` : ''}` : ''}
        </Typography>
        {drawing ? (
          <Typography variant="caption" color="secondary.main" data-testid="draw-hint">
            Drag on the frame to draw the missed plate · <Kbd>Esc</Kbd> cancels
          </Typography>
        ) : (
          <Typography variant="caption" color="text.secondary">
            Drag the box or its handles to fix it · <Kbd>Alt+B</Kbd> draws a missed plate
          </Typography>
        )}
      </Stack>
      <Box sx={{ flex: 1, minHeight: 0, px: 2, pb: 2 }}>
        <FrameView
          mediaId={plate.mediaId}
          frameIdx={plate.frameIdx}
          width={plate.frameWidth}
          height={plate.frameHeight}
          boxes={boxes}
          current={current}
          editable
          drawing={drawing}
          onBoxChange={props.onBoxChange}
          corners={plate.corners ?? null}
          onCornersChange={props.onCornersChange}
          onDrawn={props.onDrawn}
          onSelectBox={props.onSelectBox}
        />
      </Box>
    </>
  )
})
