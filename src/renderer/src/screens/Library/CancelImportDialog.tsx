// Cancelling an import cannot be resumed: ask first, saying what is kept and what is dropped.
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from '@mui/material'
import type { ImportProgress } from '@shared/types'

export function CancelImportDialog({ progress: p, open, onKeep, onCancel }: { progress: ImportProgress; open: boolean; onKeep: () => void; onCancel: () => void }) {
  const left = Math.max(0, p.filesTotal - p.filesDone)
  return (
    <Dialog open={open} onClose={onKeep} data-testid="import-cancel-dialog">
      <DialogTitle>Cancel import #{p.jobId}?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {p.filesDone.toLocaleString()} of {p.filesTotal.toLocaleString()} files are done and stay in the library. The other {left.toLocaleString()} will not be
          imported; a cancelled import cannot be resumed (import the folder again to pick them up).
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onKeep} autoFocus data-testid="import-cancel-keep">
          Keep importing
        </Button>
        <Button color="error" variant="contained" onClick={onCancel} data-testid="import-cancel-confirm">
          Cancel import
        </Button>
      </DialogActions>
    </Dialog>
  )
}
