import { useEffect, useRef } from 'react'
import type { SessionLive } from '../../live/session-live'

/** The fatigue engine's default level thresholds on its 0-100 score (src/station/fatigue/types.ts). */
export const LEVEL_BANDS = [
  { from: 0, to: 40, color: 'rgba(86, 194, 138, 0.10)', label: 'alert' },
  { from: 40, to: 70, color: 'rgba(240, 180, 76, 0.16)', label: 'moderate' },
  { from: 70, to: 100, color: 'rgba(255, 107, 97, 0.20)', label: 'severe' }
]
const SCORE_MAX = 100
const PAD_PX = 5
const MIN_SPAN_MS = 5 * 60_000

/** The fatigue score over the session so far (at least the last five minutes), over the level bands. */
export function FatigueChart({ live }: { live: SessionLive }) {
  const canvasRef = useRef<HTMLCanvasElement>(null)

  useEffect(() => {
    const history = live.fatigue
    const draw = () => {
      const canvas = canvasRef.current
      const ctx = canvas?.getContext('2d')
      if (!canvas || !ctx) return
      const ratio = window.devicePixelRatio || 1
      const rect = canvas.getBoundingClientRect()
      const w = Math.max(1, Math.floor(rect.width))
      const h = Math.max(1, Math.floor(rect.height))
      if (canvas.width !== Math.floor(w * ratio) || canvas.height !== Math.floor(h * ratio)) {
        canvas.width = Math.floor(w * ratio)
        canvas.height = Math.floor(h * ratio)
      }
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
      ctx.clearRect(0, 0, w, h)
      // A few pixels of padding so scores of 0 and 100 stay visible instead of on the edge.
      const yOf = (score: number) => PAD_PX + (h - 2 * PAD_PX) * (1 - Math.max(0, Math.min(1, score / SCORE_MAX)))
      for (const band of LEVEL_BANDS) {
        ctx.fillStyle = band.color
        ctx.fillRect(0, yOf(band.to), w, yOf(band.from) - yOf(band.to))
      }
      const size = history.size
      // How many points the chart holds, for tests and tools: a canvas shows no numbers.
      canvas.dataset.points = String(size)
      if (size === 0) return
      const [newestMs] = history.point(size - 1)
      const [oldestMs] = history.point(0)
      const spanMs = Math.max(MIN_SPAN_MS, newestMs - oldestMs)
      const startMs = newestMs - spanMs
      const xOf = (tMs: number) => PAD_PX + ((tMs - startMs) / spanMs) * (w - 2 * PAD_PX)
      ctx.strokeStyle = '#e8eef5'
      ctx.lineWidth = 2
      ctx.beginPath()
      // At most one point per pixel column: two hours at 1 Hz would otherwise be 7200 segments.
      const step = Math.max(1, Math.floor(size / w))
      for (let i = 0; i < size; i += step) {
        const [tMs, score] = history.point(i)
        if (i === 0) ctx.moveTo(xOf(tMs), yOf(score))
        else ctx.lineTo(xOf(tMs), yOf(score))
      }
      const [lastMs, lastScore] = history.point(size - 1)
      ctx.lineTo(xOf(lastMs), yOf(lastScore))
      ctx.stroke()
      // The newest value as a dot, so a single update is visible too.
      ctx.fillStyle = '#ffffff'
      ctx.beginPath()
      ctx.arc(xOf(lastMs), yOf(lastScore), PAD_PX - 1, 0, Math.PI * 2)
      ctx.fill()
    }
    draw()
    // Redrawn on the live state's (throttled) change notifications, not per frame.
    return live.subscribe(draw)
  }, [live])

  return <canvas ref={canvasRef} className="fatigue-canvas" data-testid="fatigue-chart" role="img" aria-label="Fatigue score over time" />
}
