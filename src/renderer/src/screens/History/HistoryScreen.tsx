// History: every review change, newest first, with the plate's crop, its text before → after, who and
// when; filters by plate text, change and date; undo on any change, redo on any undo. For one plate, its
// detail and full change history.
import { useEffect, useRef, useState } from 'react'
import { Box, Button, Card, CardContent, Chip, MenuItem, Pagination, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material'
import UndoRounded from '@mui/icons-material/UndoRounded'
import RedoRounded from '@mui/icons-material/RedoRounded'
import ArrowBackRounded from '@mui/icons-material/ArrowBackRounded'
import type { HistoryAction, HistoryFilter, HistoryListItem } from '@shared/types'
import { FrameView } from '../../components/FrameView'
import { MediaImage } from '../../components/MediaImage'
import { PlateText } from '../../components/PlateText'
import { StateChip } from '../../components/StateChip'
import { useNotify } from '../../components/Notify'
import { useApi, useCall } from '../../hooks/useApi'
import { navigate } from '../../nav'
import { paddedCrop } from '../Review/crop'
import { displayPath } from '@shared/display'

/** the plate text a change left (or kept); '∅' for none (an illegible plate) */
function textOf(t: string | null): string {
  return t == null ? '' : t || '∅'
}

const ACTIONS: HistoryAction[] = ['confirm', 'correct', 'reject', 'illegible', 'add', 'box', 'bulk-confirm', 'track', 'vote', 'undo']

function HistoryTable({ entries, showPlate, onUndo }: { entries: HistoryListItem[]; showPlate: boolean; onUndo: (h: HistoryListItem) => void }) {
  return (
    <Table size="small" data-testid="history-table">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          {showPlate && <TableCell>Plate</TableCell>}
          <TableCell>Change</TableCell>
          <TableCell>Text</TableCell>
          <TableCell>Who</TableCell>
          <TableCell align="right" />
        </TableRow>
      </TableHead>
      <TableBody>
        {entries.map((h) => {
          const before = textOf(h.textBefore)
          const after = textOf(h.textAfter)
          return (
            <TableRow key={h.id} data-testid={`history-${h.id}`} data-action={h.action} sx={{ opacity: h.undoneBy ? 0.5 : 1 }}>
              <TableCell sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>{new Date(h.at).toLocaleString()}</TableCell>
              {showPlate && (
                <TableCell>
                  <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                    <Box
                      sx={{ width: 120, height: 36, bgcolor: 'black', borderRadius: 0.5, overflow: 'hidden', cursor: 'pointer', flex: 'none' }}
                      onClick={() => navigate({ screen: 'history', plateId: h.plateId })}
                      data-testid={`history-crop-${h.id}`}
                    >
                      <MediaImage mediaId={h.mediaId} frameIdx={h.frameIdx} crop={paddedCrop(h.box, 0.15, 0.35)} maxSize={160} alt={`plate ${h.plateText}`} />
                    </Box>
                    <Button size="small" onClick={() => navigate({ screen: 'history', plateId: h.plateId })}>
                      #{h.plateId}
                    </Button>
                  </Stack>
                </TableCell>
              )}
              <TableCell>
                <Chip label={h.action} size="small" variant="outlined" />
                {h.undoneBy ? <Chip label="undone" size="small" sx={{ ml: 0.5 }} /> : null}
                {h.batchId ? <Chip label="batch" size="small" sx={{ ml: 0.5 }} /> : null}
              </TableCell>
              <TableCell sx={{ fontFamily: 'monospace', fontSize: 13, whiteSpace: 'nowrap' }} data-testid={`history-text-${h.id}`}>
                {h.textBefore == null && h.textAfter == null
                  ? `${textOf(h.plateText)} (now)`
                  : h.textBefore == null || before === after
                    ? after
                    : `${before} → ${after || '—'}`}
              </TableCell>
              <TableCell>{h.by}</TableCell>
              <TableCell align="right">
                {!h.undoneBy && h.action !== 'undo' && (
                  <Button size="small" startIcon={<UndoRounded />} onClick={() => onUndo(h)} data-testid={`undo-${h.id}`}>
                    Undo
                  </Button>
                )}
                {!h.undoneBy && h.action === 'undo' && (
                  <Button size="small" startIcon={<RedoRounded />} onClick={() => onUndo(h)} data-testid={`redo-${h.id}`}>
                    Redo
                  </Button>
                )}
              </TableCell>
            </TableRow>
          )
        })}
      </TableBody>
    </Table>
  )
}

function HistoryFilters({ filter, onChange }: { filter: HistoryFilter; onChange: (f: HistoryFilter) => void }) {
  const [text, setText] = useState(filter.plateText ?? '')
  // the debounced text applies to the filter as it is then, not as it was when typing began
  const latest = useRef(filter)
  latest.current = filter
  useEffect(() => {
    const t = setTimeout(() => {
      const f = latest.current
      if ((f.plateText ?? '') !== text) onChange({ ...f, plateText: text || undefined })
    }, 250)
    return () => clearTimeout(t)
  }, [text]) // eslint-disable-line react-hooks/exhaustive-deps
  const set = (patch: Partial<HistoryFilter>): void => {
    const next: HistoryFilter = { ...filter, ...patch }
    for (const k of Object.keys(next) as (keyof HistoryFilter)[]) if (next[k] === '' || next[k] === undefined) delete next[k]
    onChange(next)
  }
  return (
    <Stack direction="row" spacing={1} sx={{ mb: 1.5 }}>
      <TextField label="Plate" placeholder="B21, B*12?" value={text} onChange={(e) => setText(e.target.value)} sx={{ flex: 2 }} slotProps={{ htmlInput: { 'data-testid': 'history-filter-plate' } }} />
      <TextField select label="Change" value={filter.action ?? ''} onChange={(e) => set({ action: (e.target.value || undefined) as HistoryAction | undefined })} sx={{ flex: 1, minWidth: 150 }} slotProps={{ htmlInput: { 'data-testid': 'history-filter-action' } }}>
        <MenuItem value="">Any</MenuItem>
        {ACTIONS.map((a) => (
          <MenuItem key={a} value={a}>
            {a}
          </MenuItem>
        ))}
      </TextField>
      <TextField label="From" type="date" value={filter.dateFrom ?? ''} onChange={(e) => set({ dateFrom: e.target.value })} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'history-filter-from' } }} />
      <TextField label="To" type="date" value={filter.dateTo ?? ''} onChange={(e) => set({ dateTo: e.target.value })} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'history-filter-to' } }} />
    </Stack>
  )
}

export function HistoryScreen({ plateId }: { plateId?: number }) {
  const call = useCall()
  const notify = useNotify()
  const [page, setPage] = useState(1)
  const [filter, setFilter] = useState<HistoryFilter>({})
  const PER_PAGE = 50
  const all = useApi('history.list', plateId ? null : { ...filter, offset: (page - 1) * PER_PAGE, limit: PER_PAGE }, { live: true })
  const plate = useApi('plates.get', plateId ? { id: plateId } : null, { live: true })
  const plateHistory = useApi('history.list', plateId ? { plateId, limit: 1000 } : null, { live: true })
  const undo = (h: HistoryListItem): void => {
    const redo = h.action === 'undo'
    void call('history.undo', { historyId: h.id }).then(
      (r) => notify(`${redo ? 'Redone' : 'Undone'} (${r.undone} change${r.undone === 1 ? '' : 's'})`, 'success'),
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
                All review changes {all.data ? <Typography component="span" color="text.secondary" data-testid="history-total">({all.data.total.toLocaleString()})</Typography> : null}
              </Typography>
              {all.data && all.data.total > PER_PAGE && (
                <Pagination size="small" count={Math.ceil(all.data.total / PER_PAGE)} page={page} onChange={(_e, p) => setPage(p)} />
              )}
            </Stack>
            <HistoryFilters
              filter={filter}
              onChange={(f) => {
                setFilter(f)
                setPage(1)
              }}
            />
            {all.data?.items.length === 0 && (
              <Typography color="text.secondary">{Object.keys(filter).length ? 'No change matches these filters.' : 'No changes yet. Review plates and every change shows up here.'}</Typography>
            )}
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
              {(plateHistory.data?.items.length ?? 0) === 0 ? (
                <Typography color="text.secondary">Not reviewed yet.</Typography>
              ) : (
                <HistoryTable entries={plateHistory.data!.items} showPlate={false} onUndo={undo} />
              )}
            </CardContent>
          </Card>
        </Stack>
      )}
    </Box>
  )
}
