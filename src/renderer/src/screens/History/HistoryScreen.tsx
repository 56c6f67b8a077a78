// History: every review change, newest first; for one plate, its detail and full change history, with
// undo on any entry.
import { useState } from 'react'
import { Box, Button, Card, CardContent, Chip, Pagination, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import UndoRounded from '@mui/icons-material/UndoRounded'
import ArrowBackRounded from '@mui/icons-material/ArrowBackRounded'
import type { HistoryEntry } from '@shared/types'
import { FrameView } from '../../components/FrameView'
import { MediaImage } from '../../components/MediaImage'
import { PlateText } from '../../components/PlateText'
import { StateChip } from '../../components/StateChip'
import { useNotify } from '../../components/Notify'
import { useApi, useCall } from '../../hooks/useApi'
import { navigate } from '../../nav'
import { paddedCrop } from '../Review/crop'
import { displayPath } from '@shared/display'

function describe(v: unknown): string {
  if (v == null) return '—'
  if (typeof v !== 'object') return String(v)
  const o = v as Record<string, unknown>
  const parts: string[] = []
  if (typeof o.text === 'string') parts.push(o.text || '(no text)')
  if (typeof o.reviewState === 'string') parts.push(o.reviewState)
  else if (typeof o.review_state === 'string') parts.push(o.review_state)
  const b = (o.box ?? (o.x1 !== undefined ? o : null)) as { x1: number; y1: number; x2: number; y2: number } | null
  if (b && typeof b.x1 === 'number') parts.push(`box ${Math.round(b.x1)},${Math.round(b.y1)}–${Math.round(b.x2)},${Math.round(b.y2)}`)
  return parts.length ? parts.join(' · ') : JSON.stringify(v)
}

function HistoryTable({ entries, showPlate, onUndo }: { entries: HistoryEntry[]; showPlate: boolean; onUndo: (h: HistoryEntry) => void }) {
  return (
    <Table size="small" data-testid="history-table">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          {showPlate && <TableCell>Plate</TableCell>}
          <TableCell>Change</TableCell>
          <TableCell>Before</TableCell>
          <TableCell>After</TableCell>
          <TableCell>By</TableCell>
          <TableCell align="right" />
        </TableRow>
      </TableHead>
      <TableBody>
        {entries.map((h) => (
          <TableRow key={h.id} data-testid={`history-${h.id}`} data-action={h.action} sx={{ opacity: h.undoneBy ? 0.5 : 1 }}>
            <TableCell sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>{new Date(h.at).toLocaleString()}</TableCell>
            {showPlate && (
              <TableCell>
                <Button size="small" onClick={() => navigate({ screen: 'history', plateId: h.plateId })}>
                  #{h.plateId}
                </Button>
              </TableCell>
            )}
            <TableCell>
              <Chip label={h.action} size="small" variant="outlined" />
              {h.undoneBy ? <Chip label="undone" size="small" sx={{ ml: 0.5 }} /> : null}
              {h.batchId ? <Chip label="batch" size="small" sx={{ ml: 0.5 }} /> : null}
            </TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{describe(h.oldValue)}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{describe(h.newValue)}</TableCell>
            <TableCell>{h.by}</TableCell>
            <TableCell align="right">
              {!h.undoneBy && h.action !== 'undo' && (
                <Button size="small" startIcon={<UndoRounded />} onClick={() => onUndo(h)} data-testid={`undo-${h.id}`}>
                  Undo
                </Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}

export function HistoryScreen({ plateId }: { plateId?: number }) {
  const call = useCall()
  const notify = useNotify()
  const [page, setPage] = useState(1)
  const PER_PAGE = 100
  const all = useApi('history.list', plateId ? null : { offset: (page - 1) * PER_PAGE, limit: PER_PAGE }, { live: true })
  const plate = useApi('plates.get', plateId ? { id: plateId } : null, { live: true })
  const undo = (h: HistoryEntry): void => {
    void call('history.undo', { historyId: h.id }).then(
      (r) => notify(`Undone (${r.undone} change${r.undone === 1 ? '' : 's'})`, 'success'),
      () => undefined
    )
  }

  if (!plateId) {
    return (
      <Box sx={{ height: '100%', overflow: 'auto', p: 2 }}>
        <Card>
          <CardContent>
            <Stack direction="row" sx={{ alignItems: 'center', mb: 1 }}>
              <Typography variant="h6" sx={{ flex: 1 }}>
                All review changes {all.data ? <Typography component="span" color="text.secondary">({all.data.total.toLocaleString()})</Typography> : null}
              </Typography>
              {all.data && all.data.total > PER_PAGE && (
                <Pagination size="small" count={Math.ceil(all.data.total / PER_PAGE)} page={page} onChange={(_e, p) => setPage(p)} />
              )}
            </Stack>
            {all.data?.items.length === 0 && <Typography color="text.secondary">No changes yet. Review plates and every change shows up here.</Typography>}
            {all.data && all.data.items.length > 0 && <HistoryTable entries={all.data.items} showPlate onUndo={undo} />}
          </CardContent>
        </Card>
      </Box>
    )
  }

  const p = plate.data
  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 2 }}>
      <Button startIcon={<ArrowBackRounded />} onClick={() => navigate({ screen: 'history' })} sx={{ mb: 1 }}>
        All changes
      </Button>
      {plate.error && <Typography color="error">{plate.error.message}</Typography>}
      {p && (
        <Stack spacing={2}>
          <Card>
            <CardContent sx={{ display: 'grid', gridTemplateColumns: 'minmax(240px, 360px) minmax(0, 1fr)', gap: 2 }}>
              <Box>
                <Box sx={{ height: 110, bgcolor: 'black', borderRadius: 1, overflow: 'hidden' }}>
                  <MediaImage mediaId={p.mediaId} frameIdx={p.frameIdx} crop={paddedCrop(p.box, 0.15, 0.35)} maxSize={480} alt={p.text} />
                </Box>
                <Stack direction="row" spacing={1} sx={{ mt: 1.5, alignItems: 'center' }} data-testid="plate-detail">
                  <PlateText text={p.text} size="lg" muted={p.reviewState === 'rejected'} />
                  <StateChip state={p.reviewState} />
                </Stack>
                <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                  Model read <b>{p.modelText ?? '—'}</b> at {Math.round(p.confidence * 100)}%{p.region ? ` · region ${p.region}` : ''}
                </Typography>
                <Typography variant="caption" color="text.secondary" component="div" sx={{ wordBreak: 'break-all', mt: 0.5 }}>
                  {displayPath(p.mediaPath)}
                  {p.mediaKind === 'video' ? ` · frame ${p.frameIdx}` : ''}
                </Typography>
                <Button sx={{ mt: 1.5 }} variant="outlined" onClick={() => navigate({ screen: 'review', mediaId: p.mediaId, plateId: p.id })}>
                  Open in review
                </Button>
              </Box>
              <Box sx={{ height: 300 }}>
                <FrameView mediaId={p.mediaId} frameIdx={p.frameIdx} width={p.frameWidth} height={p.frameHeight} current={{ id: p.id, box: p.box, label: p.text }} />
              </Box>
            </CardContent>
          </Card>
          <Card>
            <CardContent>
              <Typography variant="h6" sx={{ mb: 1 }}>
                History of plate #{p.id}
              </Typography>
              {p.history.length === 0 ? (
                <Typography color="text.secondary">Not reviewed yet.</Typography>
              ) : (
                <HistoryTable entries={[...p.history].sort((a, b) => b.id - a.id)} showPlate={false} onUndo={undo} />
              )}
            </CardContent>
          </Card>
        </Stack>
      )}
    </Box>
  )
}
