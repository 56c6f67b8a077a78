// "Improve the model": fine-tune a recognizer on the reviewed plates (20% held back), follow it
// (progress, cancel, log), compare base and new on the held-back plates, adopt only a better model.
// Without Python + torch it says so and shows the exact commands (train.check / the job's setup).
import { useEffect, useState } from 'react'
import { Alert, Box, Button, Card, CardContent, LinearProgress, MenuItem, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material'
import AutoFixHighOutlined from '@mui/icons-material/AutoFixHighOutlined'
import type { TrainProgress } from '@shared/types'
import { useApp } from '../../context'
import { useApi, useCall } from '../../hooks/useApi'
import { useEvent } from '../../hooks/useEvent'
import { displayPath } from '@shared/display'

const PHASES: Record<TrainProgress['phase'], string> = {
  checking: 'Checking the model and Python',
  exporting: 'Exporting the reviewed plates',
  training: 'Training',
  evaluating: 'Comparing on the held-back plates',
  finished: 'Finished'
}
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`

export function ImproveModelCard() {
  const { settings } = useApp()
  const call = useCall()
  const check = useApi('train.check', {})
  const models = useApi('models.status', {}, { live: (e) => e.reason === 'settings' })
  const latest = useApi('train.status', {})
  // a job with nothing reviewed only fails after spawning Python: say so before it starts
  const stats = useApi('library.stats', {}, { live: true })
  const nothingReviewed = stats.data?.reviewed === 0
  const [job, setJob] = useState<TrainProgress | null>(null)
  const [epochs, setEpochs] = useState('10')
  const [base, setBase] = useState('')
  const [log, setLog] = useState<string | null>(null)
  const [starting, setStarting] = useState(false)

  useEffect(() => {
    if (latest.data && !job) setJob(latest.data)
  }, [latest.data, job])
  useEvent('train.progress', (p) => setJob((cur) => (!cur || cur.jobId === p.jobId || p.state === 'running' ? p : cur)))
  const recognizers = (models.data ?? []).filter((m) => m.task === 'recognizer' && m.state === 'ok')
  const current = settings?.recognizerId.split('+')[0] ?? ''
  const baseId = base || current
  const running = job?.state === 'running'

  // the log view follows a running job
  const showLog = log !== null
  useEffect(() => {
    if (!showLog || !job) return
    let stop = false
    const load = (): void => {
      void call('train.log', { jobId: job.jobId, maxBytes: 32_768 }).then(
        (r) => !stop && setLog(r.text),
        () => undefined
      )
    }
    load()
    if (!running) return
    const t = setInterval(load, 1500)
    return () => {
      stop = true
      clearInterval(t)
    }
  }, [showLog, job?.jobId, running, job?.epoch, call]) // eslint-disable-line react-hooks/exhaustive-deps

  const start = async (): Promise<void> => {
    setStarting(true)
    try {
      setJob(await call('train.start', { baseId: baseId || undefined, epochs: Number(epochs) }))
    } catch {
      // shown by useCall
    } finally {
      setStarting(false)
    }
  }
  const epochsOk = /^\d+$/.test(epochs) && Number(epochs) >= 1 && Number(epochs) <= 1000
  const setup = job?.setup ?? (check.data && !check.data.ok ? check.data.setup : null)
  const c = job?.comparison

  return (
    <Card data-testid="improve-model">
      <CardContent>
        <Typography variant="h6">Improve the model</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
          Fine-tunes a recognizer on your reviewed plates. A fifth of them (always the same ones) is held back to compare the new model with
          the one it started from; you can switch only if the new one reads them better.
        </Typography>
        <Stack direction="row" sx={{ alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
          <TextField select size="small" label="Start from" value={baseId} onChange={(e) => setBase(e.target.value)} sx={{ minWidth: 220 }} disabled={running} slotProps={{ htmlInput: { 'data-testid': 'train-base' } }}>
            {recognizers.length === 0 && baseId && <MenuItem value={baseId}>{baseId}</MenuItem>}
            {recognizers.map((m) => (
              <MenuItem key={m.id} value={m.id}>
                {m.id}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            size="small"
            label="Epochs"
            value={epochs}
            onChange={(e) => setEpochs(e.target.value)}
            error={!epochsOk}
            sx={{ width: 100 }}
            disabled={running}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'train-epochs' } }}
          />
          <Box sx={{ flex: 1 }} />
          {running ? (
            <Button variant="outlined" color="warning" onClick={() => void call('train.cancel', { jobId: job!.jobId }).catch(() => undefined)} data-testid="train-cancel">
              Cancel
            </Button>
          ) : (
            <Button variant="contained" startIcon={<AutoFixHighOutlined />} disabled={starting || !epochsOk || !baseId || nothingReviewed} onClick={() => void start()} data-testid="train-start">
              Improve the model
            </Button>
          )}
        </Stack>

        {nothingReviewed && !running && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }} data-testid="train-nothing-reviewed">
            No reviewed plates yet: confirm or correct some plates in Review (Ctrl+2) to train on them.
          </Typography>
        )}
        {!epochsOk && (
          <Typography variant="caption" color="error" component="div" sx={{ mt: 0.5 }}>
            Epochs: a whole number from 1 to 1000.
          </Typography>
        )}

        {setup && (
          <Alert severity={job?.setup ? 'error' : 'info'} sx={{ mt: 1.5 }} data-testid="train-setup">
            <Typography variant="body2">{setup.message}</Typography>
            <Typography variant="body2" sx={{ mt: 0.5 }}>
              {job?.setup ? 'The plates are exported; to train by hand, run:' : 'To train here, install them first:'}
            </Typography>
            <Box component="pre" sx={{ m: 0, mt: 0.5, fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all', userSelect: 'text' }} data-testid="train-commands">
              {setup.commands.join('\n')}
            </Box>
          </Alert>
        )}

        {job && (
          <Box sx={{ mt: 1.5 }} data-testid="train-progress" data-state={job.state} data-phase={job.phase}>
            <LinearProgress
              variant={job.total ? 'determinate' : running ? 'indeterminate' : 'determinate'}
              value={job.state === 'done' ? 100 : job.total ? (job.done / job.total) * 100 : 0}
              color={job.state === 'error' ? 'error' : job.state === 'done' ? 'success' : job.state === 'cancelled' ? 'warning' : 'primary'}
              sx={{ height: 8, borderRadius: 4 }}
            />
            <Typography variant="body2" sx={{ mt: 0.75 }} data-testid="train-status">
              {job.state === 'running'
                ? `${PHASES[job.phase]}${job.phase === 'training' ? `: epoch ${job.epoch} of ${job.epochs}${job.loss != null ? ` · loss ${job.loss.toFixed(4)}` : ''}${job.valAccuracy != null ? ` · validation ${pct(job.valAccuracy)}` : ''}` : job.total ? `: ${job.done} / ${job.total}` : ''}`
                : job.state === 'cancelled'
                  ? 'Cancelled.'
                  : job.state === 'done'
                    ? `Trained ${job.epochs} epoch(s) on ${job.trainPlates} plates from ${job.baseId}; compared on ${job.holdoutPlates} held-back plates.`
                    : // a failed job stays shown until the next one: say it is the last run, not the current state
                      job.state === 'error'
                      ? `The last run (${job.jobId}, from ${job.baseId}) failed:`
                      : ''}
              {job.trainPlates + job.holdoutPlates > 0 && job.state === 'running' && ` (${job.trainPlates} to train on, ${job.holdoutPlates} held back)`}
            </Typography>
            {job.error && !job.setup && (
              <Alert severity="error" sx={{ mt: 1 }} data-testid="train-error">
                {job.error}
              </Alert>
            )}
            {c && (
              <>
                <Table size="small" sx={{ mt: 1 }} data-testid="train-result" data-better={String(c.better)}>
                  <TableHead>
                    <TableRow>
                      <TableCell>Model</TableCell>
                      <TableCell align="right">Exact plates</TableCell>
                      <TableCell align="right">Characters</TableCell>
                      <TableCell align="right">Held-back plates</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {[
                      { name: `${c.base.id} (now)`, s: c.base },
                      { name: 'New', s: c.candidate }
                    ].map(({ name, s }) => (
                      <TableRow key={name}>
                        <TableCell>{name}</TableCell>
                        <TableCell align="right">{pct(s.exactAccuracy)}</TableCell>
                        <TableCell align="right">{pct(s.charAccuracy)}</TableCell>
                        <TableCell align="right">{s.plates}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
                <Stack direction="row" sx={{ alignItems: 'center', mt: 1, gap: 2 }}>
                  <Typography variant="body2" sx={{ flex: 1 }} data-testid="train-verdict">
                    {job.adoptedId
                      ? `Switched to ${job.adoptedId}.`
                      : c.better
                        ? 'The new model reads the held-back plates better.'
                        : `The new model is not better: keeping ${c.base.id}.`}
                  </Typography>
                  <Button
                    variant="contained"
                    disabled={!c.better || !!job.adoptedId}
                    onClick={() => void call('train.adopt', { jobId: job.jobId }).then(() => models.reload(), () => undefined)}
                    data-testid="train-adopt"
                  >
                    Adopt the new model
                  </Button>
                </Stack>
              </>
            )}
            <Stack direction="row" sx={{ alignItems: 'center', mt: 1, gap: 1 }}>
              <Button size="small" onClick={() => setLog(showLog ? null : '')} data-testid="train-log-toggle">
                {showLog ? 'Hide log' : 'Show log'}
              </Button>
              <Typography variant="caption" color="text.secondary" sx={{ wordBreak: 'break-all' }}>
                {displayPath(job.jobDir)}
              </Typography>
            </Stack>
            {showLog && (
              <Box
                component="pre"
                sx={{ m: 0, p: 1, maxHeight: 240, overflow: 'auto', fontSize: 11, bgcolor: 'action.hover', borderRadius: 1, whiteSpace: 'pre-wrap' }}
                data-testid="train-log"
              >
                {log || '(empty)'}
              </Box>
            )}
          </Box>
        )}
      </CardContent>
    </Card>
  )
}
