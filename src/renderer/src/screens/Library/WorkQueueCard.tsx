// The team work queue (recognition workers on other processes/machines): polled every 2 s while the
// library has one; hidden when it has none. Failures are listed with their causes.
import { useEffect, useState } from 'react'
import { Card, CardContent, Chip, LinearProgress, Stack, Typography } from '@mui/material'
import type { WorkQueueStatus } from '@shared/types'
import { displayPath } from '@shared/display'
import { api } from '../../api/client'

const POLL_MS = 2000

export function WorkQueueCard() {
  const [s, setS] = useState<WorkQueueStatus | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | null = null
    const poll = () => {
      api.call('import.workQueue', {}).then(
        (r) => {
          if (!live) return
          setS(r)
          setError(null)
          // a library without a queue is asked again rarely (an enqueue from the CLI may create one)
          timer = setTimeout(poll, r ? POLL_MS : POLL_MS * 5)
        },
        (err: Error) => {
          if (!live) return
          setError(err.message)
          timer = setTimeout(poll, POLL_MS * 5)
        }
      )
    }
    poll()
    return () => {
      live = false
      if (timer) clearTimeout(timer)
    }
  }, [])
  if (!s && !error) return null
  const total = s ? s.queued + s.active + s.done + s.failed : 0
  return (
    <Card data-testid="work-queue">
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ mb: 1, alignItems: 'center' }}>
          <Typography variant="h6">Recognition workers</Typography>
          {s && <Chip size="small" label={s.queued + s.active > 0 ? 'working' : 'idle'} color={s.queued + s.active > 0 ? 'primary' : 'success'} />}
        </Stack>
        {error && <Typography color="error">{error}</Typography>}
        {s && (
          <>
            <LinearProgress variant="determinate" value={total ? ((s.done + s.failed) / total) * 100 : 0} sx={{ mb: 1 }} />
            <Typography variant="body2" data-testid="work-queue-counts">
              {s.queued} queued · {s.active} active · {s.done} done{s.duplicate ? ` (${s.duplicate} already in the library)` : ''} · {s.failed} failed ·{' '}
              {s.plates} plates{s.filesPerSecond != null ? ` · ${s.filesPerSecond.toFixed(2)} files/s` : ''}
            </Typography>
            {s.failures.map((f) => (
              <Typography key={f.path} variant="body2" color="error" sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>
                {displayPath(f.error)}
              </Typography>
            ))}
          </>
        )}
      </CardContent>
    </Card>
  )
}
