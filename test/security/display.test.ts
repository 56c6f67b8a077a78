// Issue 9 item 10: a file name with a right-to-left override ("plate\u202Egnp.exe.jpg") displays as
// "plategpj.exe.png". Names and paths the UI shows get every bidi control made visible.
import { describe, expect, it } from 'vitest'
import { displayName, displayPath, revealBidi } from '../../src/shared/display'

describe('bidi controls in displayed names', () => {
  it('shows the right-to-left override in a file name instead of obeying it', () => {
    const name = 'plate\u202egnp.exe.jpg'
    expect(displayName(`/home/me/dashcam/${name}`)).toBe('plate⟨U+202E⟩gnp.exe.jpg')
    expect(displayName(`C:\\Users\\me\\${name}`)).toBe('plate⟨U+202E⟩gnp.exe.jpg')
    expect(displayPath(`/x/\u2067dir\u2069/${name}`)).toBe('/x/⟨U+2067⟩dir⟨U+2069⟩/plate⟨U+202E⟩gnp.exe.jpg')
  })

  it('covers every embedding, override, isolate and mark, and nothing else', () => {
    const controls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]
    for (const c of controls) {
      const shown = revealBidi(`a${String.fromCharCode(c)}b`)
      expect(shown).toBe(`a⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩b`)
    }
    // ordinary right-to-left text, accents and joiners are names, not controls
    for (const s of ['שלום.jpg', 'صورة.png', 'café.jpg', 'a\u200db.jpg', 'IMG_0001.JPG']) expect(revealBidi(s)).toBe(s)
    expect(displayName('/a/b/')).toBe('/a/b/')
  })
})
