import { Card, CardContent, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import { displayPath } from '@shared/display'
import { useApi } from '../../hooks/useApi'

/** Files an import skipped because the same content is already in the library, with the file they repeat. */
export function DuplicatesList({ jobId, duplicates }: { jobId: number; duplicates: number }) {
  const list = useApi('import.duplicates', duplicates > 0 ? { jobId, limit: 200 } : null)
  if (!duplicates) return null
  const total = list.data?.total ?? duplicates
  return (
    <Card data-testid="import-duplicates">
      <CardContent>
        <Typography variant="h6" sx={{ mb: 0.5 }} data-testid="import-duplicates-summary">
          {total.toLocaleString()} duplicate{total === 1 ? '' : 's'} skipped
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          Their content is already in the library (the same bytes under another name): each is kept as another path of that file, not
          recognised again.
        </Typography>
        {!!list.data?.items.length && (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>File</TableCell>
                <TableCell>Same as</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.data.items.map((d) => (
                <TableRow key={d.path} data-testid="duplicate-row">
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{displayPath(d.path)}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{d.duplicateOf ? displayPath(d.duplicateOf) : '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  )
}
