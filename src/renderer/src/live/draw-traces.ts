/**
 * Draws the EEG ring buffers onto a canvas: one row per channel, newest sample at the right edge.
 * Each pixel column shows the min-max envelope of the samples it covers, so the cost per frame is
 * bounded by (channels × window samples) reads and (channels × width) line segments, whatever the
 * sample rate, and no sample peak is lost to decimation.
 * Measured alternatives (headless Chromium, software raster): blitting the old bitmap left and drawing
 * only new columns, and filling one rectangle per column, were both 2-3× slower per frame than these
 * stroked paths: a canvas drawing itself takes a snapshot copy, and thousands of rects cost more than a path.
 */
import type { TraceBuffer } from './trace-buffer'

export interface TraceStyle {
  background: string
  grid: string
  colors: string[]
  /** Left gutter for channel labels, in CSS px. */
  gutterPx: number
  label: string
}

export function drawTraces(
  ctx: CanvasRenderingContext2D,
  traces: TraceBuffer,
  headSample: number,
  channelNames: string[],
  widthPx: number,
  heightPx: number,
  pixelRatio: number,
  uvPerRow: number,
  style: TraceStyle
): void {
  const { channelCount, capacity, sampleRateHz } = traces
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0)
  ctx.fillStyle = style.background
  ctx.fillRect(0, 0, widthPx, heightPx)
  const plotX = style.gutterPx
  const plotW = Math.max(1, widthPx - plotX)
  const rowH = heightPx / channelCount
  const samplesPerPx = capacity / plotW
  const oldestHeld = Math.max(0, traces.written - capacity)
  const start = headSample - capacity

  // One-second grid lines that scroll with the data.
  ctx.strokeStyle = style.grid
  ctx.lineWidth = 1
  ctx.beginPath()
  const firstSecond = Math.ceil(start / sampleRateHz) * sampleRateHz
  for (let s = firstSecond; s <= headSample; s += sampleRateHz) {
    const x = Math.round(plotX + (s - start) / samplesPerPx) + 0.5
    ctx.moveTo(x, 0)
    ctx.lineTo(x, heightPx)
  }
  for (let c = 1; c < channelCount; c++) {
    const y = Math.round(c * rowH) + 0.5
    ctx.moveTo(plotX, y)
    ctx.lineTo(widthPx, y)
  }
  ctx.stroke()

  const pxPerUv = rowH / uvPerRow
  ctx.lineWidth = 1
  ctx.lineJoin = 'round'
  for (let c = 0; c < channelCount; c++) {
    const data = traces.channels[c]
    const mean = traces.mean(c)
    const top = c * rowH
    const mid = top + rowH / 2
    const yMin = top + 1
    const yMax = top + rowH - 1
    ctx.strokeStyle = style.colors[c % style.colors.length]
    ctx.beginPath()
    let hasStarted = false
    for (let x = 0; x < plotW; x++) {
      let s0 = Math.floor(start + x * samplesPerPx)
      const s1 = Math.max(s0 + 1, Math.floor(start + (x + 1) * samplesPerPx))
      if (s1 <= oldestHeld) continue
      if (s0 >= headSample) break
      if (s0 < oldestHeld) s0 = oldestHeld
      const end = Math.min(s1, headSample)
      let slot = s0 % capacity
      let lo = Infinity
      let hi = -Infinity
      for (let s = s0; s < end; s++) {
        const v = data[slot]
        if (v < lo) lo = v
        if (v > hi) hi = v
        if (++slot === capacity) slot = 0
      }
      if (lo === Infinity) continue
      // Screen y grows downwards; clamp so a railed channel stays in its own row.
      const yHi = Math.max(yMin, Math.min(yMax, mid - (hi - mean) * pxPerUv))
      const yLo = Math.max(yMin, Math.min(yMax, mid - (lo - mean) * pxPerUv))
      const px = plotX + x + 0.5
      if (!hasStarted) {
        ctx.moveTo(px, yLo)
        hasStarted = true
      } else ctx.lineTo(px, yLo)
      if (yHi !== yLo) ctx.lineTo(px, yHi)
    }
    ctx.stroke()
  }

  ctx.fillStyle = style.label
  ctx.font = `${Math.min(14, Math.max(9, rowH * 0.5))}px system-ui, sans-serif`
  ctx.textBaseline = 'middle'
  for (let c = 0; c < channelCount; c++) ctx.fillText(channelNames[c] ?? `Ch${c + 1}`, 6, c * rowH + rowH / 2)
}
