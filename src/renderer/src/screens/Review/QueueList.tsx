import { useEffect, useRef } from 'react'
import { Box, Skeleton, Typography, useTheme } from '@mui/material'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { PlateRow } from '@shared/types'
import { MediaImage } from '../../components/MediaImage'
import { PlateText } from '../../components/PlateText'
import { StateChip } from '../../components/StateChip'
import { confidenceColor } from '../../theme'
import { paddedCrop } from './crop'
import type { Queue } from './useQueue'
import { displayName, displayPath } from '@shared/display'

const ROW = 60

/** The virtualised queue: only the rows on screen exist in the DOM. */
export function QueueList({ queue, selected, onSelect }: { queue: Queue; selected: number; onSelect: (index: number, row: PlateRow) => void }) {
  const parent = useRef<HTMLDivElement>(null)
  const theme = useTheme()
  const count = queue.total ?? 0
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 8 })
  const items = v.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items[items.length - 1]?.index ?? 0
  useEffect(() => queue.ensure(first, last), [first, last, queue])
  useEffect(() => {
    if (selected >= 0 && selected < count) v.scrollToIndex(selected, { align: 'auto' })
  }, [selected, count, v])

  return (
    <Box ref={parent} data-testid="queue" sx={{ flex: 1, overflow: 'auto', position: 'relative' }}>
      <Box sx={{ height: v.getTotalSize(), position: 'relative' }}>
        {items.map((it) => {
          const r = queue.row(it.index)
          const active = it.index === selected
          return (
            <Box
              key={it.key}
              data-testid={r ? `queue-row-${r.id}` : undefined}
              data-index={it.index}
              aria-selected={active}
              onClick={() => r && onSelect(it.index, r)}
              sx={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW,
                transform: `translateY(${it.start}px)`,
                display: 'grid',
                gridTemplateColumns: '96px minmax(0, 1fr) auto',
                alignItems: 'center',
                gap: 1.25,
                px: 1.25,
                cursor: 'pointer',
                borderBottom: 1,
                borderColor: 'divider',
                borderLeft: 3,
                borderLeftColor: active ? 'primary.main' : 'transparent',
                bgcolor: active ? 'action.selected' : 'transparent',
                '&:hover': { bgcolor: active ? 'action.selected' : 'action.hover' }
              }}
            >
              {r ? (
                <>
                  <Box sx={{ width: 96, height: 36, borderRadius: 0.5, overflow: 'hidden', bgcolor: 'black' }}>
                    <MediaImage mediaId={r.mediaId} frameIdx={r.frameIdx} crop={paddedCrop(r.box)} maxSize={160} alt={r.text} fit="cover" />
                  </Box>
                  <Box sx={{ minWidth: 0 }}>
                    <PlateText text={r.text} size="sm" muted={r.reviewState === 'rejected'} />
                    <Typography variant="caption" color="text.secondary" noWrap component="div" title={displayPath(r.mediaPath)}>
                      {displayName(r.mediaPath)}
                      {r.mediaKind === 'video' ? ` · track` : ''}
                    </Typography>
                  </Box>
                  <Box sx={{ textAlign: 'right' }}>
                    <Typography variant="body2" sx={{ fontWeight: 700, color: confidenceColor(r.confidence, theme), fontVariantNumeric: 'tabular-nums' }}>
                      {Math.round(r.confidence * 100)}%
                    </Typography>
                    {r.reviewState !== 'unreviewed' && <StateChip state={r.reviewState} />}
                  </Box>
                </>
              ) : (
                <>
                  <Skeleton variant="rectangular" width={96} height={36} />
                  <Skeleton width="60%" />
                  <Skeleton width={30} />
                </>
              )}
            </Box>
          )
        })}
      </Box>
    </Box>
  )
}
