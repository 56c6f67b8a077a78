import { useEffect, useState } from 'react'

export type ScreenName = 'library' | 'review' | 'video' | 'history' | 'export' | 'settings' | 'evaluate'

export interface Route {
  screen: ScreenName
  /** history screen: the plate whose detail/history is shown */
  plateId?: number
  /** review/video: restrict to one media file */
  mediaId?: number
  trackId?: number
}

const SCREENS: ScreenName[] = ['library', 'review', 'video', 'history', 'export', 'settings', 'evaluate']

/** "#/review?media=3", "#/plate/42", "#/video?media=7&track=2" */
export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?')
  const q = new URLSearchParams(query)
  const num = (k: string): number | undefined => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : undefined)
  const [head, arg] = path.split('/')
  if (head === 'plate' && Number(arg) > 0) return { screen: 'history', plateId: Number(arg) }
  const screen = (SCREENS as string[]).includes(head) ? (head as ScreenName) : 'library'
  return { screen, mediaId: num('media'), trackId: num('track'), plateId: num('plate') }
}

export function routeHash(r: Route): string {
  if (r.screen === 'history' && r.plateId) return `#/plate/${r.plateId}`
  const q = new URLSearchParams()
  if (r.mediaId) q.set('media', String(r.mediaId))
  if (r.trackId) q.set('track', String(r.trackId))
  if (r.plateId && r.screen !== 'history') q.set('plate', String(r.plateId))
  const qs = q.toString()
  return `#/${r.screen}${qs ? `?${qs}` : ''}`
}

export function navigate(r: Route): void {
  // keep ?token=... (web mode) in the search part; routes live in the hash
  location.hash = routeHash(r)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}
