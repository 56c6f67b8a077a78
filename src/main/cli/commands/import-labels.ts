import type { Command } from 'commander'
import { resolve } from 'node:path'
import { LABEL_IMPORT_FORMATS as FORMATS, importGroundTruth, type LabelImportFormat } from '../../db/ground-truth-writer'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, libraryTarget } from '../db-arg'

export function registerImportLabels(program: Command): void {
  program
    .command('import-labels')
    .description('import a labelled image set as reviewed ground truth (plates confirmed when labelled with text, else manual)')
    .argument('<path>', 'folder of images with label files next to them (or in annotations/ / labels/ beside); ccpd: the names are the labels; crops: named by their text; fast-plate-ocr: its CSV or the folder holding it')
    .requiredOption('--db <file>', `${DB_OPTION_HELP} (a file is created when missing)`)
    .requiredOption('--format <format>', FORMATS.join(' | '))
    .option('--folder <name>', 'source folder recorded for the media (default: the imported path)')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, o: { db: string; format: string; folder?: string; json?: boolean }) => {
      if (!FORMATS.includes(o.format as LabelImportFormat)) {
        process.stderr.write(`platedesk import-labels: --format must be one of ${FORMATS.join(', ')}, got "${o.format}"\n`)
        process.exitCode = 2
        return
      }
      const lib = openLibrary(libraryTarget(o.db))
      const tty = process.stderr.isTTY
      try {
        const r = await importGroundTruth(lib.db, path, {
          format: o.format as LabelImportFormat,
          folder: o.folder,
          onProgress: ({ done, total }) => {
            if (tty) process.stderr.write(`\rimport-labels: ${done}/${total} images`)
          }
        })
        if (tty) process.stderr.write('\n')
        for (const f of r.failures) process.stderr.write(`failed: ${f.path}: ${f.error.startsWith(f.path) ? f.error.slice(f.path.length + 2) : f.error}\n`)
        if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
        else {
          process.stdout.write(
            `imported ${r.images} labelled images (${r.mediaAdded} new media): ${r.platesAdded} plates added, ` +
              `${r.platesUpdated} model plates confirmed/corrected, ${r.platesSkipped} skipped (already reviewed)` +
              (r.failures.length ? `; ${r.failures.length} failed` : '') +
              '\n'
          )
        }
        if (r.failures.length) process.exitCode = 1
        if (r.images === 0 && r.failures.length === 0) {
          process.stderr.write(`platedesk import-labels: no ${o.format} labels found under ${resolve(path)}\n`)
          process.exitCode = 1
        }
      } catch (err) {
        process.stderr.write(`platedesk import-labels: ${(err as Error).message}\n`)
        process.exitCode = 1
      } finally {
        lib.close()
      }
    })
}
