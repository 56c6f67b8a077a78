import { Box, Tooltip, useTheme } from '@mui/material'
import { confidenceColor, MONO } from '../../theme'

/**
 * One cell per character of the typed text, aligned under the input (same monospace metrics): the bar
 * shows the model's confidence in that character; edited characters show grey.
 */
export function CharConfidence({ text, modelText, confidences, fontSize }: { text: string; modelText: string; confidences: number[]; fontSize: number }) {
  const theme = useTheme()
  return (
    <Box data-testid="char-confidence" sx={{ display: 'flex', fontFamily: MONO, fontWeight: 700, fontSize, height: 8, mt: 0.5 }}>
      {[...text].map((ch, i) => {
        const same = modelText[i] === ch
        const c = same ? confidences[i] : undefined
        return (
          <Tooltip key={i} title={c != null ? `${ch}: ${Math.round(c * 100)}%` : `${ch}: edited`} placement="bottom">
            <Box
              data-confidence={c != null ? c.toFixed(2) : 'edited'}
              sx={{ width: 'calc(1ch + 0.3em)', flex: 'none', display: 'flex', alignItems: 'flex-end', pr: '0.3em', boxSizing: 'border-box' }}
            >
              <Box sx={{ width: '100%', height: 5, borderRadius: 1, bgcolor: c != null ? confidenceColor(c, theme) : theme.palette.action.disabled }} />
            </Box>
          </Tooltip>
        )
      })}
    </Box>
  )
}
