import { createTheme, type Theme } from '@mui/material/styles'

/** Confidence colour scale shared by the queue, the per-character bars and the timeline. */
export function confidenceColor(c: number | null | undefined, theme: Theme): string {
  if (c == null) return theme.palette.text.disabled
  if (c >= 0.9) return theme.palette.success.main
  if (c >= 0.7) return theme.palette.warning.main
  return theme.palette.error.main
}

// Plate text is Unicode: after the Latin/Cyrillic monospace faces come ones with CJK glyphs (Chinese
// province characters), Noto CJK on Linux (Debian fonts-noto-cjk), YaHei on Windows, PingFang on macOS.
const CJK = '"Noto Sans Mono CJK SC", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB"'
export const MONO = `"JetBrains Mono", "DejaVu Sans Mono", ui-monospace, "SFMono-Regular", Menlo, Consolas, ${CJK}, monospace`

export function makeTheme(mode: 'light' | 'dark'): Theme {
  const dark = mode === 'dark'
  return createTheme({
    palette: {
      mode,
      primary: { main: dark ? '#5b9cff' : '#1f5fd1' },
      secondary: { main: dark ? '#ffb547' : '#b76e00' },
      success: { main: dark ? '#3fbf7f' : '#1e8e4f' },
      warning: { main: dark ? '#f0b429' : '#c98a00' },
      error: { main: dark ? '#ff6b6b' : '#c62828' },
      background: dark ? { default: '#0f1115', paper: '#171a21' } : { default: '#f4f5f7', paper: '#ffffff' },
      divider: dark ? 'rgba(255,255,255,0.09)' : 'rgba(0,0,0,0.09)'
    },
    shape: { borderRadius: 6 },
    typography: {
      fontFamily: `Roboto, "Helvetica Neue", Arial, ${CJK}, sans-serif`,
      fontSize: 13,
      h5: { fontWeight: 600, fontSize: '1.25rem' },
      h6: { fontWeight: 600, fontSize: '1.02rem' },
      subtitle2: { fontWeight: 600 },
      overline: { fontWeight: 600, letterSpacing: '0.08em' }
    },
    components: {
      MuiButton: { defaultProps: { disableElevation: true, size: 'small' }, styleOverrides: { root: { textTransform: 'none', fontWeight: 600 } } },
      MuiTextField: { defaultProps: { size: 'small' } },
      MuiSelect: { defaultProps: { size: 'small' } },
      MuiFormControl: { defaultProps: { size: 'small' } },
      MuiIconButton: { defaultProps: { size: 'small' } },
      MuiChip: { defaultProps: { size: 'small' } },
      MuiTooltip: { defaultProps: { arrow: true, enterDelay: 400 } },
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { backgroundImage: 'none' } } },
      MuiCard: { defaultProps: { variant: 'outlined' } },
      MuiTableCell: { styleOverrides: { root: { paddingTop: 6, paddingBottom: 6 } } },
      MuiCssBaseline: {
        styleOverrides: {
          'html, body, #root': { height: '100%' },
          body: { overflow: 'hidden' },
          '::-webkit-scrollbar': { width: 10, height: 10 },
          '::-webkit-scrollbar-thumb': { background: dark ? '#2c313b' : '#c9ccd3', borderRadius: 6 },
          kbd: { fontFamily: MONO }
        }
      }
    }
  })
}
