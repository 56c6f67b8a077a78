import { useEffect, useState } from 'react'
import type { ModelStatus } from '@shared/types'
import { api } from '../api/client'
import { useApp } from '../context'

// models.status verifies the model files: ask once per page, not once per plate
let statusOnce: Promise<ModelStatus[]> | null = null

/**
 * The characters the active recogniser can read (its manifest alphabet), or null while unknown. With
 * several recognisers (`v2+v1`, averaged) the first one's: it reads every crop.
 */
export function useModelAlphabet(): string | null {
  const { settings } = useApp()
  const [models, setModels] = useState<ModelStatus[] | null>(null)
  useEffect(() => {
    statusOnce ??= api.call('models.status', {}).catch((err: unknown) => {
      statusOnce = null
      throw err
    })
    let live = true
    statusOnce.then((m) => live && setModels(m), () => undefined)
    return () => {
      live = false
    }
  }, [])
  const primary = settings?.recognizerId.split('+')[0]
  return models?.find((m) => m.id === primary)?.alphabet ?? null
}
