// Without Python + torch the app cannot train, and says exactly what to run instead: the install
// command and the trainer's command line on the data it already exported.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PythonMissingError, findPython } from '../../src/main/train/python'
import { REPO_ROOT, skipReason } from '../helpers/models'
import { CROPS_SKIP_REASON, cropLibrary, cropsDir } from './crop-library'

const saved = process.env.PLATEDESK_PYTHON
afterEach(() => {
  if (saved == null) delete process.env.PLATEDESK_PYTHON
  else process.env.PLATEDESK_PYTHON = saved
})

async function problem(): Promise<PythonMissingError> {
  const err = await findPython(['--data', '/tmp/job/data', '--arch', 'lprnet']).then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(PythonMissingError)
  return err as PythonMissingError
}

describe('finding Python for training', () => {
  it('names a PLATEDESK_PYTHON that cannot run, and gives the install and trainer commands', async () => {
    process.env.PLATEDESK_PYTHON = '/nonexistent/python3'
    const e = await problem()
    expect(e.problem.message).toContain('PLATEDESK_PYTHON=/nonexistent/python3')
    expect(e.problem.message).toContain('ENOENT')
    if (process.platform === 'linux') expect(e.problem.commands[0]).toContain('apt-get install python3 python3-torch python3-onnx')
    const byHand = e.problem.commands.find((c) => c.includes('-m training.finetune'))
    expect(byHand).toContain('python3 -m training.finetune --data /tmp/job/data --arch lprnet')
    expect(byHand).not.toContain('/nonexistent') // a Python that cannot start is no use in the command
  })

  it.skipIf(!existsSync('/usr/bin/python3'))('names the missing modules of a Python without torch and onnx', async () => {
    // the system Python with its site-packages switched off: a real interpreter lacking both modules
    const dir = mkdtempSync(join(tmpdir(), 'platedesk-py-'))
    try {
      const bare = join(dir, 'python3')
      writeFileSync(bare, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n')
      chmodSync(bare, 0o755)
      process.env.PLATEDESK_PYTHON = bare
      const e = await problem()
      expect(e.problem.message).toContain(`${bare} lacks torch and onnx`)
      expect(e.problem.commands[0]).toBe('sudo apt-get install python3-torch python3-onnx')
      expect(e.problem.commands[1]).toContain(`${bare} -m training.finetune --data /tmp/job/data`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.skipIf(skipReason(!cropsDir() && CROPS_SKIP_REASON))('platedesk train without Python', () => {
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-train-nopy-'))
    const { lib } = await cropLibrary(join(dir, 'lib.db'), 60)
    lib.close()
  }, 60_000)
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('exports the data, fails with exit 1 and prints the commands to train by hand on it', () => {
    const job = join(dir, 'job')
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'train', '--db', join(dir, 'lib.db'), '--base', 'lprnet-china', '--out', job, '--epochs', '1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PLATEDESK_PYTHON: '/nonexistent' },
      encoding: 'utf8',
      timeout: 120_000
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('PLATEDESK_PYTHON=/nonexistent cannot be run')
    expect(r.stderr).toContain('To fix it, run:')
    expect(r.stderr).toMatch(/python3 -m training\.finetune --data \S*job\/data --arch lprnet --base \S+lprnet_china\.onnx --config \S*job\/base-model\.json --out \S*job\/model --epochs 1/)
    expect(r.stderr).toContain(`platedesk models add ${join(job, 'model')}`)
    // the data that command names is there, the held-back plates apart
    expect(readFileSync(join(job, 'data', 'labels.csv'), 'utf8').split('\n')[0]).toBe('image_path,plate_text')
    expect(JSON.parse(readFileSync(join(job, 'base-model.json'), 'utf8')).output.layout).toBe('ctc')
    const result = JSON.parse(readFileSync(join(job, 'result.json'), 'utf8'))
    expect(result.state).toBe('error')
    expect(result.trainPlates + result.holdoutPlates).toBe(60)
    expect(result.holdoutPlates).toBeGreaterThan(4)
  })
})
