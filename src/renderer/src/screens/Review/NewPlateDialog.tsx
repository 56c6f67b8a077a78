import { useEffect, useState } from 'react'
import { Button, Checkbox, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel, TextField } from '@mui/material'
import { MONO } from '../../theme'
import { Kbd } from '../../components/Kbd'
import { AlphabetWarning } from '../../components/AlphabetWarning'
import { normalizePlate } from './normalize'

/** After drawing a missed plate's box: type its text (Enter saves), or tick "illegible" for a plate
 *  nobody can read (its box is still detection data). */
export function NewPlateDialog({ open, onCancel, onSave }: { open: boolean; onCancel: () => void; onSave: (text: string, illegible: boolean) => void }) {
  const [text, setText] = useState('')
  const [illegible, setIllegible] = useState(false)
  useEffect(() => {
    if (open) {
      setText('')
      setIllegible(false)
    }
  }, [open])
  const ready = illegible || !!text
  const save = (): void => {
    if (ready) onSave(illegible ? '' : text, illegible)
  }
  return (
    <Dialog open={open} onClose={onCancel} maxWidth="xs" fullWidth>
      <DialogTitle>New plate</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          fullWidth
          label="Plate text"
          value={illegible ? '' : text}
          disabled={illegible}
          onChange={(e) => setText(normalizePlate(e.target.value))}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && ready) {
              e.preventDefault()
              save()
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
        {!illegible && <AlphabetWarning text={text} />}
        <FormControlLabel
          sx={{ mt: 1 }}
          control={<Checkbox checked={illegible} onChange={(e) => setIllegible(e.target.checked)} slotProps={{ input: { 'data-testid': 'new-plate-illegible' } as object }} />}
          label="Illegible: a plate, but nobody can read it"
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="contained" disabled={!ready} onClick={save} data-testid="new-plate-save">
          Add plate
        </Button>
      </DialogActions>
    </Dialog>
  )
}
