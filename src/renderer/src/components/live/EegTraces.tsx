import { useEffect, useRef } from 'react'
import { drawTraces, type TraceStyle } from '../../live/draw-traces'
import type { SessionLive } from '../../live/session-live'

const STYLE: TraceStyle = {
  background: '#0b0f14',
  grid: '#1c2530',
  colors: ['#7cc4f5', '#9bd49b', '#f0c674', '#e69aa6', '#b6a4ec', '#75d6c9', '#f2a571', '#c8d0da'],
  gutterPx: 48,
  label: '#aab4bf'
}

/**
 * Scrolling EEG traces on a canvas, redrawn every animation frame straight from the ring buffers.
 * Batches arrive every ~100 ms; the drawn head advances at the sample rate between them and stays a
 * little behind the newest sample, so the scroll is smooth instead of jumping once per batch.
 */
export function EegTraces({ live, uvPerRow, channelNames }: { live: SessionLive; uvPerRow: number; channelNames: string[] }) {
  const canvasRef = useRef<HTMLCanvasElement>(null)
  // The draw loop reads these every frame; changing them must not restart the loop.
  const namesRef = useRef(channelNames)
  const scaleRef = useRef(uvPerRow)
  useEffect(() => {
    namesRef.current = channelNames
    scaleRef.current = uvPerRow
  }, [channelNames, uvPerRow])

  useEffect(() => {
    const canvas = canvasRef.current
    if (!canvas) return
    const ctx = canvas.getContext('2d', { alpha: false })
    if (!ctx) return
    let frame = 0
    let head = 0
    let lastFrameMs = performance.now()
    let widthPx = 0
    let heightPx = 0
    let ratio = 1
    const resize = () => {
      const rect = canvas.getBoundingClientRect()
      ratio = window.devicePixelRatio || 1
      widthPx = Math.max(1, Math.floor(rect.width))
      heightPx = Math.max(1, Math.floor(rect.height))
      canvas.width = Math.floor(widthPx * ratio)
      canvas.height = Math.floor(heightPx * ratio)
    }
    const observer = new ResizeObserver(resize)
    observer.observe(canvas)
    resize()
    const tick = (nowMs: number) => {
      frame = requestAnimationFrame(tick)
      const traces = live.traces
      const dtS = Math.min(0.25, (nowMs - lastFrameMs) / 1000)
      lastFrameMs = nowMs
      if (!traces) {
        ctx.setTransform(1, 0, 0, 1, 0, 0)
        ctx.fillStyle = STYLE.background
        ctx.fillRect(0, 0, canvas.width, canvas.height)
        return
      }
      const newest = traces.written
      const rate = traces.sampleRateHz
      head += rate * dtS
      // Stay between 50 and 400 ms behind the newest sample; jump if far off (tab was hidden, reconnect).
      if (head > newest) head = newest
      if (newest - head > rate * 0.4) head = newest - rate * 0.15
      if (head < newest - traces.capacity) head = newest - rate * 0.15
      drawTraces(ctx, traces, Math.floor(head), namesRef.current, widthPx, heightPx, ratio, scaleRef.current, STYLE)
    }
    frame = requestAnimationFrame(tick)
    return () => {
      cancelAnimationFrame(frame)
      observer.disconnect()
    }
  }, [live])

  return <canvas ref={canvasRef} className="eeg-canvas" data-testid="eeg-traces" role="img" aria-label={`EEG traces, ${channelNames.length} channels, last 10 seconds`} />
}
