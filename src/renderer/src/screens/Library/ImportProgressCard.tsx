// The running (or last) import: live progress from 'import.progress', with pause/resume/cancel.
import { useState } from 'react'
import { Alert, Box, Button, Card, CardContent, Chip, LinearProgress, Stack, Typography } from '@mui/material'
import PauseRounded from '@mui/icons-material/PauseRounded'
import PlayArrowRounded from '@mui/icons-material/PlayArrowRounded'
import StopRounded from '@mui/icons-material/StopRounded'
import type { FileProgress, ImportProgress } from '@shared/types'
import { useApi, useCall } from '../../hooks/useApi'
import { navigate } from '../../nav'
import { CancelImportDialog } from './CancelImportDialog'

function eta(s: number | null): string {
  if (s == null || !Number.isFinite(s)) return '—'
  if (s < 60) return `${Math.ceil(s)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}

const STATE_COLOR: Record<ImportProgress['state'], 'default' | 'primary' | 'warning' | 'success' | 'error'> = {
  queued: 'default',
  running: 'primary',
  paused: 'warning',
  done: 'success',
  cancelled: 'default',
  error: 'error'
}

export function ImportProgressCard({ progress, onChange }: { progress: ImportProgress; onChange: (p: ImportProgress) => void }) {
  const call = useCall()
  const p = progress
  const processed = p.filesDone // files finished, failures included
  const pct = p.filesTotal ? (processed / p.filesTotal) * 100 : 0
  const active = p.state === 'running' || p.state === 'queued' || p.state === 'paused'
  // an import in 'error' stopped as a whole (the engine did not start): say why
  const info = useApi('app.info', p.state === 'error' ? {} : null)
  const act = (ch: 'import.pause' | 'import.resume' | 'import.cancel') => () => void call(ch, { jobId: p.jobId }).then(onChange, () => undefined)
  const [asking, setAsking] = useState(false)

  return (
    <Card data-testid="import-progress" data-state={p.state}>
      <CardContent>
        <Stack direction="row" sx={{ alignItems: 'center', gap: 1.5, mb: 1 }}>
          <Typography variant="h6">Import #{p.jobId}</Typography>
          <Chip label={p.state} color={STATE_COLOR[p.state]} data-testid="import-state" />
          <Box sx={{ flex: 1 }} />
          {p.state === 'running' || p.state === 'queued' ? (
            <Button startIcon={<PauseRounded />} onClick={act('import.pause')} data-testid="import-pause">
              Pause
            </Button>
          ) : null}
          {(p.state === 'paused' || p.state === 'error') && (
            <Button startIcon={<PlayArrowRounded />} onClick={act('import.resume')} data-testid="import-resume">
              Resume
            </Button>
          )}
          {active && (
            <Button color="error" startIcon={<StopRounded />} onClick={() => setAsking(true)} data-testid="import-cancel">
              Cancel
            </Button>
          )}
          <CancelImportDialog
            progress={p}
            open={asking && active}
            onKeep={() => setAsking(false)}
            onCancel={() => {
              setAsking(false)
              act('import.cancel')()
            }}
          />
        </Stack>
        <LinearProgress variant={p.filesTotal ? 'determinate' : 'indeterminate'} value={pct} sx={{ height: 8, borderRadius: 4 }} />
        <Stack direction="row" sx={{ mt: 1.25, gap: 3, flexWrap: 'wrap', fontVariantNumeric: 'tabular-nums' }}>
          <Metric label="Files" value={`${processed.toLocaleString()} / ${p.filesTotal.toLocaleString()}`} testId="import-files" />
          <Metric label="Plates found" value={p.platesFound.toLocaleString()} />
          <Metric label="Failed" value={p.filesFailed.toLocaleString()} warn={p.filesFailed > 0} />
          <Metric label="Speed" value={active ? `${p.filesPerSecond.toFixed(1)} files/s` : '—'} />
          <Metric label="Time left" value={active ? eta(p.etaSeconds) : '—'} />
        </Stack>
        {p.state === 'error' && (
          <Alert
            severity="error"
            sx={{ mt: 1.5 }}
            data-testid="import-error"
            action={
              <Button color="inherit" onClick={() => navigate({ screen: 'settings' })}>
                Models…
              </Button>
            }
          >
            {info.data?.engine.error ?? 'The import stopped.'} Resume retries from where it stopped.
          </Alert>
        )}
        {p.fileProgress && active && <FileFrames f={p.fileProgress} />}
        {p.currentFile && active && !p.fileProgress && (
          <Typography variant="caption" color="text.secondary" noWrap component="div" sx={{ mt: 1 }} title={p.currentFile}>
            {p.currentFile}
          </Typography>
        )}
      </CardContent>
    </Card>
  )
}

function Metric({ label, value, warn, testId }: { label: string; value: string; warn?: boolean; testId?: string }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">
        {label}
      </Typography>
      <Typography variant="body1" sx={{ fontWeight: 700, color: warn ? 'error.main' : 'text.primary' }} data-testid={testId}>
        {value}
      </Typography>
    </Box>
  )
}

/** Progress inside the video being decoded: frames done of the expected total and its time left. */
export function frameLine(f: FileProgress): string {
  const total = f.framesTotal != null ? ` / ${f.framesTotal.toLocaleString()}` : ''
  const pct = f.framesTotal ? ` (${Math.floor((f.framesDone / f.framesTotal) * 100)}%)` : ''
  const left = f.etaSeconds != null ? ` · ${eta(f.etaSeconds)} left` : ''
  return `frames ${f.framesDone.toLocaleString()}${total}${pct}${left}`
}

function FileFrames({ f }: { f: FileProgress }) {
  return (
    <Box sx={{ mt: 1 }} data-testid="import-file-progress">
      <LinearProgress
        variant={f.framesTotal ? 'determinate' : 'indeterminate'}
        value={f.framesTotal ? Math.min(100, (f.framesDone / f.framesTotal) * 100) : 0}
        color="secondary"
        sx={{ height: 4, borderRadius: 2 }}
      />
      <Typography variant="caption" color="text.secondary" noWrap component="div" sx={{ mt: 0.5, fontVariantNumeric: 'tabular-nums' }} title={f.path}>
        <span data-testid="import-file-frames">{frameLine(f)}</span> · {f.path}
      </Typography>
    </Box>
  )
}
