import { useCallback, useEffect, useMemo, useState } from 'react'
import { Box, Button, CssBaseline, Dialog, DialogContent, DialogTitle, Stack, Table, TableBody, TableCell, TableRow, ThemeProvider, Tooltip, Typography, useMediaQuery } from '@mui/material'
import PhotoLibraryOutlined from '@mui/icons-material/PhotoLibraryOutlined'
import FactCheckOutlined from '@mui/icons-material/FactCheckOutlined'
import VideocamOutlined from '@mui/icons-material/VideocamOutlined'
import HistoryOutlined from '@mui/icons-material/HistoryOutlined'
import IosShareOutlined from '@mui/icons-material/IosShareOutlined'
import SettingsOutlined from '@mui/icons-material/SettingsOutlined'
import QueryStatsOutlined from '@mui/icons-material/QueryStatsOutlined'
import KeyboardOutlined from '@mui/icons-material/KeyboardOutlined'
import type { Settings } from '@shared/types'
import { api } from './api/client'
import { Kbd } from './components/Kbd'
import { NotifyProvider, useNotify } from './components/Notify'
import { ModelsSetup } from './components/ModelsSetup'
import { AppContext } from './context'
import { AuthContext, useAuth, type AuthValue } from './auth'
import { SignIn } from './components/SignIn'
import type { AuthState } from './api/web'
import { notOnReview, useApi } from './hooks/useApi'
import { useShortcut } from './hooks/useShortcut'
import { navigate, useRoute, type ScreenName } from './nav'
import { makeTheme } from './theme'
import { LibraryScreen } from './screens/Library/LibraryScreen'
import { ReviewScreen } from './screens/Review/ReviewScreen'
import { VideoScreen } from './screens/Video/VideoScreen'
import { HistoryScreen } from './screens/History/HistoryScreen'
import { ExportScreen } from './screens/Export/ExportScreen'
import { SettingsScreen } from './screens/Settings/SettingsScreen'
import { EvaluateScreen } from './screens/Evaluate/EvaluateScreen'

const NAV: { screen: ScreenName; label: string; icon: typeof PhotoLibraryOutlined }[] = [
  { screen: 'library', label: 'Library', icon: PhotoLibraryOutlined },
  { screen: 'review', label: 'Review', icon: FactCheckOutlined },
  { screen: 'video', label: 'Video', icon: VideocamOutlined },
  { screen: 'history', label: 'History', icon: HistoryOutlined },
  { screen: 'export', label: 'Export', icon: IosShareOutlined },
  { screen: 'settings', label: 'Settings', icon: SettingsOutlined },
  // last, so Ctrl+1..6 keep their screens
  { screen: 'evaluate', label: 'Evaluate', icon: QueryStatsOutlined }
]

const SHORTCUTS: [string, string][] = [
  ['Ctrl+1 … Ctrl+7', 'Library, Review, Video, History, Export, Settings, Evaluate'],
  ['Enter', 'Confirm the plate, or save the typed correction, and go to the next'],
  ['Delete / Ctrl+Backspace', 'Reject: not a plate'],
  ['PageDown / Alt+↓', 'Next plate'],
  ['PageUp / Alt+↑', 'Previous plate'],
  ['Alt+1 … Alt+9 / F1 … F9', 'Take candidate 1 … 9'],
  ['Ctrl+Z', 'Undo the last change'],
  ['Alt+B', 'Draw a missed plate (drag on the frame, type, Enter)'],
  ['Wheel / + − 0', 'Zoom the frame (keys outside text fields); drag to pan'],
  ['Ctrl+B', 'Bulk confirm above a threshold'],
  ['Esc', 'Discard the draft, then leave the text field / cancel drawing'],
  ['Video: Space / , . (← →)', 'Play or pause / one frame back or forward'],
  ['Video: S / M', 'Split the selected track at the frame shown / merge the selected tracks (Ctrl+click)'],
  ['Ctrl+/', 'This list']
]

function Shell({ onMode }: { onMode: (m: 'light' | 'dark') => void }) {
  const route = useRoute()
  const me = useAuth()
  const notify = useNotify()
  const [modal, setModal] = useState(false)
  const [help, setHelp] = useState(false)
  const info = useApi('app.info', {}, { live: notOnReview }) // a new info re-renders every screen (context)
  const [settings, setSettings] = useState<Settings>()
  useEffect(() => {
    api.call('settings.get', {}).then(setSettings, (e: unknown) => notify(`Settings: ${e instanceof Error ? e.message : String(e)}`, 'error'))
  }, [notify])
  const saveSettings = useCallback(
    async (patch: Partial<Settings>) => {
      try {
        setSettings(await api.call('settings.set', patch))
      } catch (e) {
        notify(`Settings not saved: ${e instanceof Error ? e.message : String(e)}`, 'error')
      }
    },
    [notify]
  )
  const stats = useApi('library.stats', {}, { live: true })

  useShortcut(['Mod+1', 'Mod+2', 'Mod+3', 'Mod+4', 'Mod+5', 'Mod+6', 'Mod+7'], (e) => navigate({ screen: NAV[Number(e.code.replace(/\D/g, '')) - 1].screen }), {
    allowInInput: true,
    enabled: !modal
  })
  useShortcut('Mod+/', () => setHelp((h) => !h), { allowInInput: true })

  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)')
  const mode = settings?.theme === 'light' ? 'light' : settings?.theme === 'dark' ? 'dark' : prefersDark ? 'dark' : 'light'
  useEffect(() => onMode(mode), [mode, onMode])
  const ctx = useMemo(() => ({ info: info.data, settings, saveSettings, setModal }), [info.data, settings, saveSettings])
  const s = stats.data

  return (
    <>
      <AppContext.Provider value={ctx}>
        <Box sx={{ display: 'grid', gridTemplateColumns: '76px minmax(0, 1fr)', gridTemplateRows: '44px minmax(0, 1fr)', height: '100vh' }}>
          <Box
            component="nav"
            aria-label="screens"
            sx={{ gridRow: '1 / 3', bgcolor: mode === 'dark' ? '#0b0d11' : '#1b2230', color: '#c9d1e0', display: 'flex', flexDirection: 'column', alignItems: 'stretch', py: 1 }}
          >
            <Box sx={{ textAlign: 'center', mb: 1.5, mt: 0.5 }}>
              <Box sx={{ mx: 'auto', width: 40, height: 26, borderRadius: 0.75, border: '2px solid #e9ecef', display: 'flex', overflow: 'hidden', bgcolor: '#fff' }}>
                <Box sx={{ width: 7, bgcolor: '#1d4fb8' }} />
                <Typography sx={{ flex: 1, color: '#111', fontWeight: 800, fontSize: 11, lineHeight: '22px', letterSpacing: '0.04em' }}>PD</Typography>
              </Box>
            </Box>
            {NAV.map((n, i) => {
              const active = route.screen === n.screen
              const Icon = n.icon
              return (
                <Tooltip key={n.screen} title={<>{n.label} <Kbd>Ctrl+{i + 1}</Kbd></>} placement="right">
                  <Box
                    component="a"
                    href={`#/${n.screen}`}
                    data-testid={`nav-${n.screen}`}
                    aria-current={active ? 'page' : undefined}
                    sx={{
                      display: 'flex',
                      flexDirection: 'column',
                      alignItems: 'center',
                      gap: 0.25,
                      py: 1,
                      mx: 0.75,
                      mb: 0.5,
                      borderRadius: 1.5,
                      color: active ? '#fff' : 'inherit',
                      bgcolor: active ? 'rgba(91,156,255,0.22)' : 'transparent',
                      textDecoration: 'none',
                      fontSize: 11,
                      fontWeight: active ? 700 : 500,
                      '&:hover': { bgcolor: active ? 'rgba(91,156,255,0.28)' : 'rgba(255,255,255,0.07)' }
                    }}
                  >
                    <Icon fontSize="small" />
                    {n.label}
                  </Box>
                </Tooltip>
              )
            })}
            <Box sx={{ flex: 1 }} />
            <Tooltip title={<>Keyboard shortcuts <Kbd>Ctrl+/</Kbd></>} placement="right">
              <Box component="button" onClick={() => setHelp(true)} sx={{ all: 'unset', cursor: 'pointer', textAlign: 'center', py: 1, color: 'inherit' }} aria-label="keyboard shortcuts">
                <KeyboardOutlined fontSize="small" />
              </Box>
            </Tooltip>
          </Box>

          <Stack
            direction="row"
            component="header"
            sx={{ alignItems: 'center', px: 2, gap: 2, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper', minWidth: 0 }}
          >
            <Typography variant="subtitle2" sx={{ whiteSpace: 'nowrap' }}>
              {NAV.find((n) => n.screen === route.screen)?.label}
            </Typography>
            <Typography variant="caption" color="text.secondary" noWrap sx={{ flex: 1, minWidth: 0 }} title={info.data?.dbPath}>
              {info.data ? `${info.data.dbPath}` : ''}
            </Typography>
            {s && (
              <Stack direction="row" spacing={2} sx={{ color: 'text.secondary', fontSize: 12, whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }} data-testid="header-stats">
                <span>
                  <b>{s.media.toLocaleString()}</b> files
                </span>
                <span>
                  <b>{s.plates.toLocaleString()}</b> plates
                </span>
                <span>
                  <b>{s.reviewed.toLocaleString()}</b> reviewed
                </span>
                {s.errors > 0 && (
                  <Box component="span" sx={{ color: 'error.main' }}>
                    <b>{s.errors}</b> errors
                  </Box>
                )}
              </Stack>
            )}
            <Typography variant="caption" color="text.disabled" sx={{ whiteSpace: 'nowrap' }}>
              {info.data ? `v${info.data.version} · ${info.data.mode === 'web' ? 'web mode' : 'desktop'}` : ''}
            </Typography>
            {me.user && (
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center', whiteSpace: 'nowrap' }}>
                <Typography variant="caption" data-testid="signed-in-as">
                  <b>{me.user}</b> · {me.role}
                </Typography>
                <Button size="small" onClick={me.signOut} data-testid="sign-out">
                  Sign out
                </Button>
              </Stack>
            )}
          </Stack>

          <Box component="main" sx={{ minWidth: 0, minHeight: 0, overflow: 'hidden', bgcolor: 'background.default' }}>
            {route.screen === 'library' && <LibraryScreen />}
            {route.screen === 'review' && <ReviewScreen key={`r${route.mediaId ?? ''}`} mediaId={route.mediaId} plateId={route.plateId} />}
            {route.screen === 'video' && <VideoScreen mediaId={route.mediaId} trackId={route.trackId} />}
            {route.screen === 'history' && <HistoryScreen plateId={route.plateId} />}
            {route.screen === 'export' && <ExportScreen />}
            {route.screen === 'settings' && <SettingsScreen />}
            {route.screen === 'evaluate' && <EvaluateScreen />}
          </Box>
        </Box>
        <ModelsSetup />
        <Dialog open={help} onClose={() => setHelp(false)} maxWidth="sm" fullWidth>
          <DialogTitle>Keyboard shortcuts</DialogTitle>
          <DialogContent>
            <Table size="small">
              <TableBody>
                {SHORTCUTS.map(([k, d]) => (
                  <TableRow key={k}>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Kbd>{k}</Kbd>
                    </TableCell>
                    <TableCell>{d}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </DialogContent>
        </Dialog>
      </AppContext.Provider>
    </>
  )
}

export function App() {
  // the theme wraps everything, notifications included; the shell decides the mode from the settings
  const [mode, setMode] = useState<'light' | 'dark'>(() => (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'))
  const theme = useMemo(() => makeTheme(mode), [mode])
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <NotifyProvider>
        <AuthGate>
          <Shell onMode={setMode} />
        </AuthGate>
      </NotifyProvider>
    </ThemeProvider>
  )
}

/** A team server's sign-in (api.auth, web mode): nobody signed in → the sign-in screen; else the app, as
 *  the signed-in account. The desktop app and web mode without accounts go straight to the app. */
function AuthGate({ children }: { children: React.ReactNode }) {
  const auth = api.auth
  const [state, setState] = useState<AuthState | null>(auth ? null : { teamMode: false })
  const [notice, setNotice] = useState<string>()
  useEffect(() => {
    if (!auth) return
    auth.state().then(setState, () => setState({ teamMode: false })) // the app then shows why calls fail
    return auth.onSignedOut(() => {
      setNotice('Your session ended: sign in again.')
      setState({ teamMode: true, user: null })
    })
  }, [auth])
  const signOut = useCallback(() => {
    void auth?.signOut().finally(() => {
      setNotice('Signed out.')
      setState({ teamMode: true, user: null })
    })
  }, [auth])
  const value = useMemo<AuthValue>(
    () => (state?.teamMode && state.user ? { user: state.user, role: state.role, signOut } : { user: null, role: null, signOut }),
    [state, signOut]
  )
  if (!state) return null
  if (state.teamMode && !state.user) {
    return (
      <SignIn
        notice={notice}
        onSignIn={async (name, password) => {
          setState(await auth!.signIn(name, password))
          setNotice(undefined)
        }}
      />
    )
  }
  // keyed by the account: a new sign-in starts every screen afresh
  return (
    <AuthContext.Provider value={value}>
      <Box key={value.user ?? ''} sx={{ display: 'contents' }}>
        {children}
      </Box>
    </AuthContext.Provider>
  )
}
