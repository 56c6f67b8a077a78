// Settings → Users: the team-mode accounts of this library (admin only; the server refuses others).
// Adding the first account (an admin) turns the library into a team library: web mode then asks
// everyone to sign in.
import { useState } from 'react'
import { Alert, Button, Card, CardContent, IconButton, MenuItem, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Tooltip, Typography } from '@mui/material'
import DeleteOutlined from '@mui/icons-material/DeleteOutlined'
import { ROLES, type Role } from '@shared/roles'
import { api } from '../../api/client'
import { useNotify } from '../../components/Notify'
import { useApi } from '../../hooks/useApi'
import { useAuth } from '../../auth'

export function UsersCard() {
  const users = useApi('users.list', {})
  const notify = useNotify()
  const me = useAuth()
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('reviewer')
  const [password, setPassword] = useState('')
  const list = users.data ?? []
  const first = users.data !== undefined && list.length === 0

  const run = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn()
      notify(what, 'success')
      return true
    } catch (e) {
      notify(`${what.replace(/^\w+/, (w) => w.toLowerCase())} failed: ${e instanceof Error ? e.message : String(e)}`, 'error')
      return false
    } finally {
      users.reload()
    }
  }
  const add = async (): Promise<void> => {
    const r = first ? 'admin' : role
    if (await run(`Added ${name} (${r})`, () => api.call('users.add', { name: name.trim(), role: r, password }))) {
      setName('')
      setPassword('')
      // the first account makes this a team library: the web page signs in from now on
      if (first && api.auth) location.reload()
    }
  }

  return (
    <Card data-testid="settings-users">
      <CardContent>
        <Typography variant="h6" sx={{ mb: 1 }}>
          Users
        </Typography>
        {first && (
          <Alert severity="info" sx={{ mb: 2 }}>
            No accounts: this library is used by whoever opens it. Add an admin to make it a team library: web mode then asks everyone to sign in, and
            each change in the history names its author.
          </Alert>
        )}
        {list.length > 0 && (
          <Table size="small" sx={{ mb: 2 }}>
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Role</TableCell>
                <TableCell>Since</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {list.map((u) => (
                <TableRow key={u.name} data-testid={`user-${u.name}`}>
                  <TableCell>
                    {u.name}
                    {u.name === me.user ? ' (you)' : ''}
                  </TableCell>
                  <TableCell>
                    <TextField
                      select
                      size="small"
                      variant="standard"
                      value={u.role}
                      onChange={(e) => void run(`${u.name} is now ${e.target.value}`, () => api.call('users.setRole', { name: u.name, role: e.target.value as Role }))}
                      slotProps={{ htmlInput: { 'data-testid': `user-role-${u.name}` } }}
                    >
                      {ROLES.map((r) => (
                        <MenuItem key={r} value={r}>
                          {r}
                        </MenuItem>
                      ))}
                    </TextField>
                  </TableCell>
                  <TableCell>{new Date(u.createdAt).toLocaleDateString()}</TableCell>
                  <TableCell align="right">
                    <Tooltip title={`Remove ${u.name} (their history keeps the name)`}>
                      <IconButton size="small" aria-label={`remove ${u.name}`} onClick={() => void run(`Removed ${u.name}`, () => api.call('users.remove', { name: u.name }))}>
                        <DeleteOutlined fontSize="small" />
                      </IconButton>
                    </Tooltip>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }} component="form" onSubmit={(e) => (e.preventDefault(), void add())}>
          <TextField size="small" label="Name" value={name} onChange={(e) => setName(e.target.value)} slotProps={{ htmlInput: { 'data-testid': 'user-new-name', autoComplete: 'off' } }} />
          <TextField select size="small" label="Role" value={first ? 'admin' : role} disabled={first} onChange={(e) => setRole(e.target.value as Role)} sx={{ width: 130 }}>
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {r}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            size="small"
            type="password"
            label="Password (10+ characters)"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'user-new-password', autoComplete: 'new-password' } }}
          />
          <Button type="submit" variant="outlined" disabled={!name.trim() || password.length < 10} data-testid="user-add">
            {first ? 'Add admin' : 'Add'}
          </Button>
        </Stack>
      </CardContent>
    </Card>
  )
}
