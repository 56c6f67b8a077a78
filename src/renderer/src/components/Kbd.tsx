import { Box } from '@mui/material'
import type { ReactNode } from 'react'
import { MONO } from '../theme'

/** A keyboard key hint, e.g. <Kbd>Enter</Kbd>. */
export function Kbd({ children }: { children: ReactNode }) {
  return (
    <Box
      component="kbd"
      sx={{
        display: 'inline-block',
        px: 0.6,
        minWidth: 18,
        textAlign: 'center',
        fontFamily: MONO,
        fontSize: '0.72rem',
        lineHeight: '18px',
        borderRadius: 0.75,
        border: 1,
        borderColor: 'divider',
        borderBottomWidth: 2,
        bgcolor: 'action.hover',
        color: 'text.secondary',
        whiteSpace: 'nowrap'
      }}
    >
      {children}
    </Box>
  )
}
