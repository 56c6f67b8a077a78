import { useEffect, useState } from 'react'
import { Button, Dialog, DialogActions, DialogContent, DialogTitle, TextField } from '@mui/material'
import { MONO } from '../../theme'
import { Kbd } from '../../components/Kbd'
import { normalizePlate } from './normalize'

/** After drawing a missed plate's box: type its text, Enter saves. */
export function NewPlateDialog({ open, onCancel, onSave }: { open: boolean; onCancel: () => void; onSave: (text: string) => void }) {
  const [text, setText] = useState('')
  useEffect(() => {
    if (open) setText('')
  }, [open])
  return (
    <Dialog open={open} onClose={onCancel} maxWidth="xs" fullWidth>
      <DialogTitle>New plate</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          fullWidth
          label="Plate text"
          value={text}
          onChange={(e) => setText(normalizePlate(e.target.value))}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && text) {
              e.preventDefault()
              onSave(text)
            }
          }}
          helperText={
            <>
              <Kbd>Enter</Kbd> saves · <Kbd>Esc</Kbd> cancels
            </>
          }
          slotProps={{ htmlInput: { 'data-testid': 'new-plate-input', style: { fontFamily: MONO, fontWeight: 700, letterSpacing: '0.2em', fontSize: 22 } } }}
          sx={{ mt: 1 }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="contained" disabled={!text} onClick={() => onSave(text)}>
          Add plate
        </Button>
      </DialogActions>
    </Dialog>
  )
}
