import { useState } from 'react'
import { Box, Card, CardContent, Chip, Pagination, Stack, Typography } from '@mui/material'
import VideocamRounded from '@mui/icons-material/VideocamRounded'
import ErrorOutlineRounded from '@mui/icons-material/ErrorOutlineRounded'
import { MediaImage } from '../../components/MediaImage'
import { useApi } from '../../hooks/useApi'
import { navigate } from '../../nav'
import { displayName, displayPath } from '@shared/display'

const PER_PAGE = 48

/** Imported files with thumbnails; click one to review its plates (or its tracks, for a video). */
export function MediaGrid() {
  const [page, setPage] = useState(1)
  const list = useApi('media.list', { offset: (page - 1) * PER_PAGE, limit: PER_PAGE }, { live: true })
  const total = list.data?.total ?? 0
  return (
    <Card>
      <CardContent>
        <Stack direction="row" sx={{ alignItems: 'center', mb: 1.5 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Media <Typography component="span" color="text.secondary">({total.toLocaleString()})</Typography>
          </Typography>
          {total > PER_PAGE && <Pagination count={Math.ceil(total / PER_PAGE)} page={page} onChange={(_e, p) => setPage(p)} size="small" />}
        </Stack>
        {total === 0 && !list.loading && (
          <Typography color="text.secondary" sx={{ py: 4, textAlign: 'center' }}>
            No media yet. Import a folder above.
          </Typography>
        )}
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(176px, 1fr))', gap: 1.25 }} data-testid="media-grid">
          {list.data?.items.map((m) => (
            <Box
              key={m.id}
              data-testid={`media-${m.id}`}
              data-status={m.status}
              title={m.error ?? displayPath(m.path)}
              onClick={() => navigate(m.kind === 'video' ? { screen: 'video', mediaId: m.id } : { screen: 'review', mediaId: m.id })}
              sx={{ cursor: 'pointer', borderRadius: 1, overflow: 'hidden', border: 1, borderColor: 'divider', bgcolor: 'background.paper', '&:hover': { borderColor: 'primary.main' } }}
            >
              <Box sx={{ aspectRatio: '16 / 9', bgcolor: 'black', position: 'relative' }}>
                {m.status === 'error' ? (
                  <Stack sx={{ height: '100%', alignItems: 'center', justifyContent: 'center', color: 'error.light', px: 1, textAlign: 'center' }}>
                    <ErrorOutlineRounded />
                    <Typography variant="caption">could not be read</Typography>
                  </Stack>
                ) : m.status === 'done' || m.kind === 'image' ? (
                  <MediaImage mediaId={m.id} maxSize={240} alt={displayName(m.path)} fit="cover" />
                ) : null}
                {m.kind === 'video' && <VideocamRounded sx={{ position: 'absolute', top: 6, left: 6, color: 'white', fontSize: 18 }} />}
                {m.plates > 0 && (
                  <Chip label={`${m.plates} plate${m.plates === 1 ? '' : 's'}`} color="primary" sx={{ position: 'absolute', bottom: 6, right: 6, height: 20, fontSize: 11 }} />
                )}
              </Box>
              <Box sx={{ px: 1, py: 0.5 }}>
                <Typography variant="caption" noWrap component="div">
                  {displayName(m.path)}
                </Typography>
              </Box>
            </Box>
          ))}
        </Box>
      </CardContent>
    </Card>
  )
}
