import { Box } from '@mui/material'
import { MONO } from '../theme'

/** A plate string styled like a (European) plate: the one visual constant of the app. */
export function PlateText({ text, size = 'md', muted = false }: { text: string; size?: 'sm' | 'md' | 'lg'; muted?: boolean }) {
  const fs = size === 'sm' ? '0.8rem' : size === 'lg' ? '1.4rem' : '0.95rem'
  return (
    <Box
      component="span"
      sx={{
        display: 'inline-flex',
        alignItems: 'stretch',
        border: 1.5,
        borderColor: muted ? 'divider' : 'text.primary',
        borderRadius: 0.75,
        overflow: 'hidden',
        bgcolor: muted ? 'transparent' : (t) => (t.palette.mode === 'dark' ? '#e9ecef' : '#fff'),
        color: muted ? 'text.disabled' : '#111',
        fontFamily: MONO,
        fontWeight: 700,
        fontSize: fs,
        letterSpacing: '0.06em',
        lineHeight: 1.5,
        whiteSpace: 'nowrap'
      }}
    >
      <Box component="span" sx={{ width: 6, bgcolor: muted ? 'transparent' : '#1d4fb8' }} />
      {/* a two-row plate: one line per row, top first */}
      <Box component="span" sx={{ px: 0.75, display: 'inline-flex', flexDirection: 'column', alignItems: 'center' }}>
        {text ? text.split('\n').map((row, i) => <span key={i}>{row}</span>) : '—'}
      </Box>
    </Box>
  )
}
