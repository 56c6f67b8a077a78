// Settings → Models → Add: a model you bring, by path on the backend's machine (typed: web mode has no
// file picker). The backend checks it (inputs, outputs, a test inference) before copying it, and its
// error names the file and the cause; it is shown here as it comes.
import { useState } from 'react'
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField, Typography } from '@mui/material'
import type { ModelStatus } from '@shared/types'
import { api } from '../../api/client'

export function AddModelDialog({ open, onClose, onAdded }: { open: boolean; onClose: () => void; onAdded: (m: ModelStatus) => void }) {
  const [path, setPath] = useState('')
  const [config, setConfig] = useState('')
  const [id, setId] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const close = (): void => {
    if (busy) return
    setError(null)
    onClose()
  }
  const add = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      const m = await api.call('models.add', { path: path.trim(), ...(config.trim() ? { config: config.trim() } : {}), ...(id.trim() ? { id: id.trim() } : {}) })
      setPath('')
      setConfig('')
      setId('')
      onAdded(m)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog open={open} onClose={close} maxWidth="sm" fullWidth data-testid="add-model-dialog">
      <DialogTitle>Add a model</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ mt: 1 }}>
          <Typography variant="body2" color="text.secondary">
            A fast-plate-ocr recognizer (.onnx with its plate_config.yaml), a CTC recognizer (.onnx with its .json: input, output, alphabet, blank) or an Ultralytics YOLO
            detector exported to ONNX (no config: class names and image size come from the file). It is checked with a test inference, then copied into your models folder.
          </Typography>
          <TextField label="Model file (.onnx), full path" value={path} onChange={(e) => setPath(e.target.value)} autoFocus slotProps={{ htmlInput: { 'data-testid': 'add-model-path' } }} />
          <TextField
            label="Config (plate_config.yaml or .json), full path"
            value={config}
            onChange={(e) => setConfig(e.target.value)}
            helperText="Leave empty for a YOLO detector"
            slotProps={{ htmlInput: { 'data-testid': 'add-model-config' } }}
          />
          <TextField label="Id (optional)" value={id} onChange={(e) => setId(e.target.value)} helperText="How you select it; default: the file name" slotProps={{ htmlInput: { 'data-testid': 'add-model-id' } }} />
          {error && (
            <Alert severity="error" data-testid="add-model-error" sx={{ wordBreak: 'break-word' }}>
              {error}
            </Alert>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy}>
          Cancel
        </Button>
        <Button variant="contained" disabled={busy || !path.trim()} onClick={() => void add()} data-testid="add-model-submit">
          {busy ? 'Checking…' : 'Add'}
        </Button>
      </DialogActions>
    </Dialog>
  )
}
