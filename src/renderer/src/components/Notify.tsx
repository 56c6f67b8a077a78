import { createContext, useCallback, useContext, useState, type ReactNode } from 'react'
import { Alert, Snackbar } from '@mui/material'
import { revealBidi } from '@shared/display'

type Severity = 'success' | 'info' | 'warning' | 'error'
type NotifyFn = (message: string, severity?: Severity) => void

const Ctx = createContext<NotifyFn>(() => undefined)

export function useNotify(): NotifyFn {
  return useContext(Ctx)
}

/** One snackbar for the whole app: errors from the backend show their cause here. */
export function NotifyProvider({ children }: { children: ReactNode }) {
  const [msg, setMsg] = useState<{ text: string; severity: Severity; key: number } | null>(null)
  const notify = useCallback<NotifyFn>((text, severity = 'info') => setMsg({ text, severity, key: Date.now() }), [])
  return (
    <Ctx.Provider value={notify}>
      {children}
      <Snackbar
        key={msg?.key}
        open={!!msg}
        autoHideDuration={msg?.severity === 'error' ? 8000 : 3000}
        onClose={(_e, reason) => reason !== 'clickaway' && setMsg(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        <Alert severity={msg?.severity ?? 'info'} variant="filled" onClose={() => setMsg(null)} data-testid="notify" sx={{ maxWidth: 720 }}>
          {msg ? revealBidi(msg.text) : null}
        </Alert>
      </Snackbar>
    </Ctx.Provider>
  )
}
