/**
 * Makes the fake-webcam clips for face-tracking tests at test time (never committed): a public-domain
 * portrait (NASA astronaut Eileen Collins, shipped by Debian's python3-skimage as astronaut.png)
 * turned into MJPEG by ffmpeg, plus a variant whose eyes are painted over with skin colour and a lash
 * line, i.e. closed. Chromium plays the file in a loop as its camera.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const SYSTEM_IMAGE = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png'
const cacheDir = resolve(import.meta.dirname, '..', '..', 'test-results', 'face-clips')

/** Eye regions in astronaut.png (512×512), found by looking at the picture. */
const EYES = [
  { x: 188, y: 93, w: 28, h: 16 },
  { x: 232, y: 94, w: 30, h: 16 }
]
const SKIN = '0xD9A58C'
const LASH = '0x5A3A2A'

function astronautPng(): string {
  if (existsSync(SYSTEM_IMAGE)) return SYSTEM_IMAGE
  const extracted = join(cacheDir, 'deb', 'usr/lib/python3/dist-packages/skimage/data/astronaut.png')
  if (existsSync(extracted)) return extracted
  // Only the .deb is fetched (no matplotlib/scipy); the image is extracted from it.
  mkdirSync(cacheDir, { recursive: true })
  try {
    execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: cacheDir, stdio: 'ignore' })
  } catch {
    // A fresh machine may have no package lists yet: fetch them once and try again.
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' })
    execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: cacheDir, stdio: 'ignore' })
  }
  const deb = readdirSync(cacheDir).find((f) => f.startsWith('python3-skimage') && f.endsWith('.deb'))
  if (!deb) throw new Error('could not download python3-skimage for the test face (apt-get download python3-skimage)')
  execFileSync('dpkg', ['-x', join(cacheDir, deb), join(cacheDir, 'deb')])
  return extracted
}

function makeClip(out: string, extraFilters: string[]): string {
  if (existsSync(out)) return out
  const filters = [...extraFilters, 'scale=480:480', 'pad=640:480:80:0:black', 'format=yuvj420p'].join(',')
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', astronautPng(), '-t', '2', '-r', '15', '-vf', filters, '-q:v', '5', '-f', 'mjpeg', out])
  return out
}

export interface FaceClips {
  eyesOpen: string
  eyesClosed: string
  dark: string
}

export function ensureFaceClips(): FaceClips {
  mkdirSync(cacheDir, { recursive: true })
  const closedEyes = EYES.flatMap((e) => [
    `drawbox=x=${e.x}:y=${e.y}:w=${e.w}:h=${e.h}:color=${SKIN}:t=fill`,
    `drawbox=x=${e.x + 2}:y=${e.y + Math.round(e.h * 0.6)}:w=${e.w - 4}:h=2:color=${LASH}:t=fill`
  ])
  return {
    eyesOpen: makeClip(join(cacheDir, 'face-eyes-open.mjpeg'), []),
    eyesClosed: makeClip(join(cacheDir, 'face-eyes-closed.mjpeg'), closedEyes),
    // The same face at 8% brightness: a lab with the lights off.
    dark: makeClip(join(cacheDir, 'face-dark.mjpeg'), ['colorchannelmixer=rr=0.08:gg=0.08:bb=0.08'])
  }
}
