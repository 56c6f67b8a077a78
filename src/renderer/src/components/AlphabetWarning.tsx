import { Typography } from '@mui/material'
import { charsOutside } from '@shared/plate-text'
import { useModelAlphabet } from '../hooks/useModelAlphabet'
import { MONO } from '../theme'

/** Plate text is kept as typed; this only says which characters the active OCR model cannot read. */
export function AlphabetWarning({ text }: { text: string }) {
  const alphabet = useModelAlphabet()
  const missing = alphabet ? charsOutside(text, alphabet) : []
  if (missing.length === 0) return null
  return (
    <Typography variant="caption" color="warning.main" component="div" data-testid="alphabet-warning" data-missing={missing.join('')}>
      The current OCR model has no{' '}
      {missing.map((c, i) => (
        <b key={c} style={{ fontFamily: MONO }}>
          {i ? ' ' : ''}
          {c}
        </b>
      ))}
      : the text is kept as typed, but this model cannot learn or read it.
    </Typography>
  )
}
