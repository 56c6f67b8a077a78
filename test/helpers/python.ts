// The Python that trains models (training/): Debian's /usr/bin/python3 with python3-torch and
// python3-onnx. Tests that need it skip with the reason printed when it is absent.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

export const PYTHON = process.env.PLATEDESK_PYTHON ?? '/usr/bin/python3'

let cached: string | false | undefined

/** Why torch-based tests cannot run here, or false when they can. */
export function torchMissing(): string | false {
  if (cached !== undefined) return cached
  if (!existsSync(PYTHON)) cached = `${PYTHON} not found (set PLATEDESK_PYTHON)`
  else {
    const r = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy, PIL, yaml'], { encoding: 'utf8' })
    cached = r.status === 0 ? false : `${PYTHON} cannot import torch/onnx/numpy/PIL/yaml (${(r.stderr || '').trim().split('\n').pop()})`
  }
  return cached
}
