import { useEffect, useState } from 'react'
import type { Request } from '@shared/api'
import { api } from '../api/client'

type ImageReq = Request<'media.image'>
interface Img {
  dataUrl: string
  width: number
  height: number
}

// Small LRU of decoded images (data URLs), so paging back and forth in the queue is instant.
const cache = new Map<string, Promise<Img>>()
// the images already decoded, so a cached one renders in the first paint (no skeleton frame)
const ready = new Map<string, Img>()
const MAX = 240

export function loadImage(req: ImageReq): Promise<Img> {
  const key = JSON.stringify(req)
  let p = cache.get(key)
  if (p) {
    cache.delete(key)
    cache.set(key, p)
    return p
  }
  p = api.call('media.image', req)
  p.then(
    (img) => {
      if (cache.has(key)) ready.set(key, img)
    },
    () => cache.delete(key)
  )
  cache.set(key, p)
  while (cache.size > MAX) {
    const old = cache.keys().next().value as string
    cache.delete(old)
    ready.delete(old)
  }
  return p
}

/** A media frame (or crop) as a data URL; undefined while loading; null on error. */
export function useImage(req: ImageReq | null): Img | null | undefined {
  const key = req ? JSON.stringify(req) : null
  const [img, setImg] = useState<{ key: string | null; img: Img | null | undefined }>({ key: null, img: undefined })
  useEffect(() => {
    if (!key) return
    let live = true
    loadImage(JSON.parse(key) as ImageReq).then(
      (i) => live && setImg({ key, img: i }),
      () => live && setImg({ key, img: null })
    )
    return () => {
      live = false
    }
  }, [key])
  if (img.key === key) return img.img
  return key ? ready.get(key) : undefined
}
