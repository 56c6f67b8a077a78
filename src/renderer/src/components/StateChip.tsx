import { Chip } from '@mui/material'
import type { ReviewState } from '@shared/types'

const COLORS: Record<ReviewState, 'default' | 'success' | 'info' | 'error' | 'secondary' | 'warning'> = {
  unreviewed: 'default',
  confirmed: 'success',
  corrected: 'info',
  rejected: 'error',
  manual: 'secondary',
  illegible: 'warning'
}

export function StateChip({ state }: { state: ReviewState }) {
  return <Chip label={state} color={COLORS[state]} variant={state === 'unreviewed' ? 'outlined' : 'filled'} sx={{ height: 20, fontSize: '0.7rem' }} />
}
