// Bulk confirm: pick a threshold, see how many plates and a sample of exactly what would be confirmed,
// then confirm them as one undoable batch.
import { useState } from 'react'
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Slider, Stack, Typography } from '@mui/material'
import type { PlateFilter } from '@shared/types'
import { MediaImage } from '../../components/MediaImage'
import { PlateText } from '../../components/PlateText'
import { useApi, useCall } from '../../hooks/useApi'
import { paddedCrop } from './crop'

export function BulkConfirmDialog({ open, filter, onClose, onDone }: { open: boolean; filter: PlateFilter; onClose: () => void; onDone: (count: number) => void }) {
  const [threshold, setThreshold] = useState(0.95)
  const [busy, setBusy] = useState(false)
  const call = useCall()
  const base: PlateFilter = { ...filter, state: 'unreviewed' }
  const sample = useApi('plates.list', open ? { filter: { ...base, minConfidence: threshold }, sort: 'confidence', limit: 12 } : null)
  const count = sample.data?.total ?? 0

  const run = async (): Promise<void> => {
    setBusy(true)
    try {
      const r = await call('plates.bulkConfirm', { filter: base, minConfidence: threshold })
      onDone(r.count)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog open={open} onClose={onClose} maxWidth="md" fullWidth>
      <DialogTitle>Confirm every unreviewed plate at or above a confidence</DialogTitle>
      <DialogContent>
        {/* the value sits beside the slider: a label above the thumb was cut off by the dialog's scroll box */}
        <Stack direction="row" spacing={3} sx={{ alignItems: 'center', mt: 1 }}>
          <Typography sx={{ whiteSpace: 'nowrap' }}>Threshold</Typography>
          <Slider
            value={threshold}
            min={0.5}
            max={1}
            step={0.01}
            onChange={(_e, v) => setThreshold(v as number)}
            valueLabelDisplay="off"
            slotProps={{ input: { 'aria-label': 'bulk confirm threshold', 'aria-valuetext': `${Math.round(threshold * 100)}%` } }}
          />
          <Typography data-testid="bulk-threshold" sx={{ minWidth: '4ch', textAlign: 'right', fontWeight: 700, fontVariantNumeric: 'tabular-nums' }}>
            {Math.round(threshold * 100)}%
          </Typography>
        </Stack>
        <Alert severity={count ? 'info' : 'warning'} sx={{ my: 1.5 }} data-testid="bulk-count">
          {count ? `${count} plate${count === 1 ? '' : 's'} would be confirmed. The lowest-confidence ones are shown below; check them first.` : 'No unreviewed plate matches.'}
        </Alert>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))', gap: 1.25 }}>
          {sample.data?.items.map((p) => (
            <Box key={p.id} sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 0.75 }}>
              <Box sx={{ height: 48, bgcolor: 'black', borderRadius: 0.5, overflow: 'hidden' }}>
                <MediaImage mediaId={p.mediaId} frameIdx={p.frameIdx} crop={paddedCrop(p.box)} maxSize={200} alt={p.text} fit="cover" />
              </Box>
              <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mt: 0.5 }}>
                <PlateText text={p.text} size="sm" />
                <Typography variant="caption">{Math.round(p.confidence * 100)}%</Typography>
              </Stack>
            </Box>
          ))}
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" disabled={!count || busy} onClick={() => void run()} data-testid="bulk-run">
          Confirm {count || ''}
        </Button>
      </DialogActions>
    </Dialog>
  )
}
