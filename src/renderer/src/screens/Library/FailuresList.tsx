import { Card, CardContent, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import { useApi } from '../../hooks/useApi'
import { displayPath } from '@shared/display'
import { failureReason } from './reason'

/** Files that failed in an import, each with its path and the reason. */
export function FailuresList({ jobId, failed }: { jobId: number; failed: number }) {
  const list = useApi('import.failures', failed > 0 ? { jobId, limit: 200 } : null)
  if (!failed || !list.data?.items.length) return null
  return (
    <Card data-testid="import-failures">
      <CardContent>
        <Typography variant="h6" sx={{ mb: 1 }}>
          {list.data.total} file{list.data.total === 1 ? '' : 's'} could not be imported
        </Typography>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>File</TableCell>
              <TableCell>Reason</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.data.items.map((f) => (
              <TableRow key={f.path}>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{displayPath(f.path)}</TableCell>
                <TableCell sx={{ color: 'error.main' }} data-testid="failure-reason">
                  {displayPath(failureReason(f.path, f.error))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  )
}
