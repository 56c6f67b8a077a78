import { Box, Skeleton, type SxProps, type Theme } from '@mui/material'
import BrokenImageOutlined from '@mui/icons-material/BrokenImageOutlined'
import type { Box as BoxT } from '@shared/types'
import { useImage } from '../hooks/useImage'

/** A frame or crop of a media file, fetched through 'media.image' (data URL), with a skeleton while loading. */
export function MediaImage(props: {
  mediaId: number
  frameIdx?: number
  crop?: BoxT
  maxSize: number
  alt: string
  sx?: SxProps<Theme>
  fit?: 'contain' | 'cover' | 'fill'
}) {
  const { mediaId, frameIdx = 0, crop, maxSize, alt, sx, fit = 'contain' } = props
  const img = useImage({ mediaId, frameIdx, crop, maxSize })
  if (img === undefined) return <Skeleton variant="rectangular" sx={{ width: '100%', height: '100%', ...sx } as object} />
  if (img === null)
    return (
      <Box sx={{ display: 'grid', placeItems: 'center', color: 'text.disabled', width: '100%', height: '100%', ...sx } as object}>
        <BrokenImageOutlined />
      </Box>
    )
  return (
    <Box
      component="img"
      src={img.dataUrl}
      alt={alt}
      draggable={false}
      sx={{ display: 'block', width: '100%', height: '100%', objectFit: fit, ...sx } as object}
    />
  )
}
