import { createContext, useCallback, useContext, useState, type ReactNode } from 'react'
import { Alert, Snackbar } from '@mui/material'
import { revealBidi } from '@shared/display'

type Severity = 'success' | 'info' | 'warning' | 'error'
type NotifyFn = (message: string, severity?: Severity) => void

const Ctx = createContext<NotifyFn>(() => undefined)
const DismissCtx = createContext<() => void>(() => undefined)

export function useNotify(): NotifyFn {
  return useContext(Ctx)
}

/**
 * Clears the message on screen when what it was about is gone (e.g. the review moved to another plate).
 * A success message stays: it reports what the user just did, which may be what moved on (undo, bulk).
 */
export function useDismissNotify(): () => void {
  return useContext(DismissCtx)
}

/** One snackbar for the whole app: errors from the backend show their cause here. It sits at the bottom
 *  left, over the lists' ends rather than the pictures (the review frame fills the right-hand side). */
export function NotifyProvider({ children }: { children: ReactNode }) {
  const [msg, setMsg] = useState<{ text: string; severity: Severity; key: number } | null>(null)
  const notify = useCallback<NotifyFn>((text, severity = 'info') => setMsg({ text, severity, key: Date.now() }), [])
  const dismiss = useCallback(() => setMsg((m) => (m && m.severity !== 'success' ? null : m)), [])
  return (
    <Ctx.Provider value={notify}>
      <DismissCtx.Provider value={dismiss}>{children}</DismissCtx.Provider>
      <Snackbar
        key={msg?.key}
        open={!!msg}
        autoHideDuration={msg?.severity === 'error' ? 8000 : 3000}
        onClose={(_e, reason) => reason !== 'clickaway' && setMsg(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'left' }}
        // right of the 76 px navigation rail, as wide as the review queue
        sx={{ left: { xs: 84, sm: 84 }, right: 'auto', maxWidth: 'clamp(280px, 28vw, 380px)' }}
      >
        <Alert severity={msg?.severity ?? 'info'} variant="filled" onClose={() => setMsg(null)} data-testid="notify" sx={{ width: '100%', wordBreak: 'break-word' }}>
          {msg ? revealBidi(msg.text) : null}
        </Alert>
      </Snackbar>
    </Ctx.Provider>
  )
}
