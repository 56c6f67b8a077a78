import { useEffect, useRef } from 'react'

export interface ShortcutOptions {
  enabled?: boolean
  /** also fire while a text field has the focus (app-wide keys do) */
  allowInInput?: boolean
  /** fire while this particular text field has the focus (the review's plate input) */
  allowIn?: (el: HTMLElement) => boolean
  preventDefault?: boolean
}

interface Combo {
  ctrl: boolean
  alt: boolean
  shift: boolean
  key: string
}

/** "Ctrl+Z", "Alt+1", "Alt+ArrowDown", "Mod+K" (Ctrl, or ⌘ on macOS), "Delete", "PageDown", "B". */
export function parseCombo(combo: string): Combo {
  const parts = combo.split('+')
  const key = parts.pop() ?? ''
  const mods = new Set(parts.map((p) => p.toLowerCase()))
  return { ctrl: mods.has('ctrl') || mods.has('mod'), alt: mods.has('alt'), shift: mods.has('shift'), key }
}

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform)

export function matches(e: KeyboardEvent, c: Combo): boolean {
  const ctrl = isMac ? e.metaKey || e.ctrlKey : e.ctrlKey
  if (ctrl !== c.ctrl || e.altKey !== c.alt) return false
  if (c.key.length === 1 && /[0-9]/.test(c.key)) {
    return e.code === `Digit${c.key}` || e.code === `Numpad${c.key}`
  }
  if (c.key.length === 1 && /[a-z]/i.test(c.key)) {
    if (e.shiftKey !== c.shift) return false
    return e.code === `Key${c.key.toUpperCase()}` || e.key.toLowerCase() === c.key.toLowerCase()
  }
  if (c.shift !== e.shiftKey && c.key !== '?') return false
  return e.key === c.key
}

export function isTextTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null
  if (!el || !el.tagName) return false
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable
}

/** Binds one or more key combos on the window while mounted (and enabled). */
export function useShortcut(
  combos: string | string[],
  handler: (e: KeyboardEvent) => void,
  { enabled = true, allowInInput = false, allowIn, preventDefault = true }: ShortcutOptions = {}
): void {
  const ref = useRef(handler)
  ref.current = handler
  const allowRef = useRef(allowIn)
  allowRef.current = allowIn
  const key = Array.isArray(combos) ? combos.join('|') : combos
  useEffect(() => {
    if (!enabled) return
    const parsed = key.split('|').map(parseCombo)
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return
      if (!allowInInput && isTextTarget(e.target) && !allowRef.current?.(e.target as HTMLElement)) return
      if (!parsed.some((c) => matches(e, c))) return
      if (preventDefault) e.preventDefault()
      ref.current(e)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [key, enabled, allowInInput, preventDefault])
}
