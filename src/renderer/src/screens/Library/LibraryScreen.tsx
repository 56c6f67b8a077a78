import { useCallback, useEffect, useState } from 'react'
import { Box, Stack } from '@mui/material'
import type { ImportProgress } from '@shared/types'
import { api } from '../../api/client'
import { useEvent } from '../../hooks/useEvent'
import { DuplicatesList } from './DuplicatesList'
import { FailuresList } from './FailuresList'
import { ImportCard } from './ImportCard'
import { ImportProgressCard } from './ImportProgressCard'
import { MediaGrid } from './MediaGrid'
import { newerProgress } from './progressOrder'
import { WorkQueueCard } from './WorkQueueCard'
import { useCan } from '../../auth'

export function LibraryScreen() {
  const [progress, setShown] = useState<ImportProgress | null>(null)
  const setProgress = useCallback((p: ImportProgress | null) => setShown((cur) => newerProgress(cur, p)), [])
  useEffect(() => {
    api.call('import.status', {}).then(setProgress, () => undefined)
  }, [setProgress])
  useEvent('import.progress', setProgress)
  const can = useCan()

  return (
    <Box sx={{ height: '100%', overflow: 'auto' }}>
      <Stack spacing={2} sx={{ p: 2, maxWidth: 1400, mx: 'auto' }}>
        {can('library.import') && (
          <ImportCard
            onStarted={() => {
              void api.call('import.status', {}).then(setProgress, () => undefined)
            }}
          />
        )}
        <WorkQueueCard />
        {progress && <ImportProgressCard progress={progress} onChange={setProgress} />}
        {progress && <FailuresList key={`${progress.jobId}-${progress.filesFailed}`} jobId={progress.jobId} failed={progress.filesFailed} />}
        {progress && <DuplicatesList key={`${progress.jobId}-${progress.filesDuplicate}`} jobId={progress.jobId} duplicates={progress.filesDuplicate ?? 0} />}
        <MediaGrid />
      </Stack>
    </Box>
  )
}
