import { useEffect, useState } from 'react'
import { Box, Stack } from '@mui/material'
import type { ImportProgress } from '@shared/types'
import { api } from '../../api/client'
import { useEvent } from '../../hooks/useEvent'
import { DuplicatesList } from './DuplicatesList'
import { FailuresList } from './FailuresList'
import { ImportCard } from './ImportCard'
import { ImportProgressCard } from './ImportProgressCard'
import { MediaGrid } from './MediaGrid'

export function LibraryScreen() {
  const [progress, setProgress] = useState<ImportProgress | null>(null)
  useEffect(() => {
    api.call('import.status', {}).then(setProgress, () => undefined)
  }, [])
  useEvent('import.progress', (p) => setProgress((cur) => (!cur || p.jobId >= cur.jobId ? p : cur)))

  return (
    <Box sx={{ height: '100%', overflow: 'auto' }}>
      <Stack spacing={2} sx={{ p: 2, maxWidth: 1400, mx: 'auto' }}>
        <ImportCard
          onStarted={() => {
            void api.call('import.status', {}).then((p) => p && setProgress(p), () => undefined)
          }}
        />
        {progress && <ImportProgressCard progress={progress} onChange={setProgress} />}
        {progress && <FailuresList key={`${progress.jobId}-${progress.filesFailed}`} jobId={progress.jobId} failed={progress.filesFailed} />}
        {progress && <DuplicatesList key={`${progress.jobId}-${progress.filesDuplicate}`} jobId={progress.jobId} duplicates={progress.filesDuplicate ?? 0} />}
        <MediaGrid />
      </Stack>
    </Box>
  )
}
