// First run: when app.info says the engine cannot start because its models are missing (or corrupt),
// a dialog lists the files and downloads them with a progress bar each; it closes once the models verify.
import { useEffect, useState } from 'react'
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, LinearProgress, Stack, Typography } from '@mui/material'
import { useApp } from '../context'
import { useApi } from '../hooks/useApi'
import { formatMB, neededModels, startModelsDownload, useModelsDownload, type FileDownload } from '../hooks/useModelsDownload'
import { useCan } from '../auth'

export function ModelsSetup() {
  const { settings, setModal } = useApp()
  // its own app.info, so it can refetch the moment a download job ends (it is also live on library changes)
  const info = useApi('app.info', {}, { live: true })
  const dl = useModelsDownload()
  const [dismissed, setDismissed] = useState(false)
  /** the job was started here (a download started in Settings does not open this dialog) */
  const [started, setStarted] = useState(false)
  const { reload } = info
  useEffect(() => {
    if (dl.finished) reload()
  }, [dl.finished, reload])

  const engine = info.data?.engine
  // a model you added cannot be downloaded: Settings shows it missing with its message instead
  const missing = engine && !engine.ready ? neededModels(engine.models, [settings?.detectorId, settings?.recognizerId]).filter((m) => m.state !== 'ok' && !m.user) : []
  // on a team server only an admin fetches models (the others would be refused)
  const mayDownload = useCan()('models.download')
  const open = mayDownload && !dismissed && (missing.length > 0 || (started && dl.running))
  useEffect(() => {
    setModal(open)
    return () => setModal(false)
  }, [open, setModal])

  const totalBytes = missing.reduce((s, m) => s + (m.size ?? 0), 0)
  const failed = dl.files.filter((f) => f.state === 'error')
  return (
    <Dialog open={open} maxWidth="sm" fullWidth data-testid="models-setup" aria-labelledby="models-setup-title">
      <DialogTitle id="models-setup-title">Download the recognition models</DialogTitle>
      <DialogContent>
        <Typography variant="body2" sx={{ mb: 1.5 }}>
          PlateDesk needs its recognition models{totalBytes ? ` (≈${Math.round(totalBytes / 1e6)} MB)` : ''} to find and read plates. They are downloaded once, checked against their
          published checksums and kept in {info.data?.mode === 'web' ? 'the models folder' : "PlateDesk's user-data folder"}.
        </Typography>
        <Stack spacing={1.25} data-testid="models-setup-files">
          {(dl.files.length && (dl.running || failed.length) ? dl.files : missing.map((m): FileDownload => ({ modelId: m.id, file: m.file, bytes: 0, total: m.size ?? null, state: 'queued', error: null }))).map((f) => (
            <FileRow key={f.modelId} f={f} note={missing.find((m) => m.id === f.modelId)?.state === 'corrupt' ? 'damaged copy, will be replaced' : undefined} />
          ))}
        </Stack>
        {dl.error && (
          <Alert severity="error" sx={{ mt: 1.5 }} data-testid="models-setup-error">
            {dl.error}
          </Alert>
        )}
        {!dl.running && failed.length > 0 && (
          <Alert severity="error" sx={{ mt: 1.5 }} data-testid="models-setup-error">
            {failed.length === 1 ? 'The download failed.' : `${failed.length} downloads failed.`} Check the connection and try again, or place the files in the models folder
            yourself (Settings → Models shows where PlateDesk looks).
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => setDismissed(true)} disabled={dl.running}>
          Not now
        </Button>
        <Button variant="contained" onClick={() => {
            setStarted(true)
            void startModelsDownload()
          }}
          disabled={dl.running}
          data-testid="models-download"
        >
          {dl.running ? 'Downloading…' : failed.length || dl.error ? 'Try again' : 'Download'}
        </Button>
      </DialogActions>
    </Dialog>
  )
}

/** One file: name, size, a bar while it downloads, and the error when it failed. */
export function FileRow({ f, note }: { f: FileDownload; note?: string }) {
  const total = f.total ?? 0
  const pct = f.state === 'done' ? 100 : total ? Math.min(100, (100 * f.bytes) / total) : 0
  const label =
    f.state === 'queued'
      ? total
        ? formatMB(total)
        : ''
      : f.state === 'downloading'
        ? `${formatMB(f.bytes)}${total ? ` of ${formatMB(total)}` : ''}`
        : f.state === 'verifying'
          ? 'checking…'
          : f.state === 'done'
            ? 'installed'
            : 'failed'
  return (
    <Box data-testid={`model-file-${f.modelId}`} data-state={f.state}>
      <Stack direction="row" sx={{ justifyContent: 'space-between', gap: 2 }}>
        <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
          {f.file}
          {note && (
            <Typography component="span" variant="caption" color="warning.main" sx={{ ml: 1, fontFamily: 'inherit' }}>
              {note}
            </Typography>
          )}
        </Typography>
        <Typography variant="caption" color={f.state === 'error' ? 'error' : 'text.secondary'} sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
          {label}
        </Typography>
      </Stack>
      {f.state !== 'queued' && (
        <LinearProgress
          variant={f.state === 'verifying' ? 'indeterminate' : 'determinate'}
          value={pct}
          color={f.state === 'error' ? 'error' : f.state === 'done' ? 'success' : 'primary'}
          sx={{ height: 6, borderRadius: 3, mt: 0.5 }}
          aria-label={`${f.file} download`}
        />
      )}
      {f.error && (
        <Typography variant="caption" color="error" component="div" sx={{ mt: 0.5, wordBreak: 'break-word' }} data-testid="model-file-error">
          {f.error}
        </Typography>
      )}
    </Box>
  )
}
