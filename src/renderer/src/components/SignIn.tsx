// The sign-in screen of a team server: shown when the server answers 401 (nobody signed in, or the
// session ended).
import { useState, type FormEvent } from 'react'
import { Alert, Box, Button, Paper, Stack, TextField, Typography } from '@mui/material'

export function SignIn({ onSignIn, notice }: { onSignIn: (name: string, password: string) => Promise<void>; notice?: string }) {
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSignIn(name.trim(), password)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      setPassword('')
    } finally {
      setBusy(false)
    }
  }
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'background.default' }}>
      <Paper component="form" onSubmit={submit} sx={{ p: 4, width: 360 }} aria-label="sign in">
        <Stack spacing={2}>
          <Typography variant="h5">PlateDesk</Typography>
          <Typography variant="body2" color="text.secondary">
            This library is shared by a team: sign in with your account.
          </Typography>
          {notice && !error && <Alert severity="info">{notice}</Alert>}
          {error && (
            <Alert severity="error" data-testid="signin-error">
              {error}
            </Alert>
          )}
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} autoFocus autoComplete="username" required slotProps={{ htmlInput: { 'data-testid': 'signin-name' } }} />
          <TextField
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'signin-password' } }}
          />
          <Button type="submit" variant="contained" disabled={busy || !name.trim() || !password} data-testid="signin-submit">
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Box>
  )
}
