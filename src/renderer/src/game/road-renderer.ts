/**
 * Pseudo-3D road on a 2D canvas: the ground is cut into slices ahead of the car, each projected with
 * a pinhole camera; the road's curvature is integrated twice to bend the slices. The ground is flat,
 * so nearer slices are always lower on screen and slices can be batched by colour (one fill per
 * colour per frame) without painter's-order artefacts.
 */
import type { DriveView, Road } from './sim'
import type { Scenario } from '@shared/schemas/scenario'

const CAMERA_HEIGHT_M = 1.2
const NEAR_M = 2
const FAR_M = 320
const STRIPE_M = 16
const DASH_M = 3
const DASH_PERIOD_M = 12
const LINE_WIDTH_M = 0.15
const RUMBLE_WIDTH_M = 0.5
const LEAD_CAR_DISTANCE_M = 38

const COLORS = {
  skyTop: '#1d2b4a',
  skyHorizon: '#7d93b5',
  hills: '#3c4e47',
  grassA: '#40663b',
  grassB: '#3a5e36',
  road: '#50545a',
  shoulder: '#5c6066',
  rumbleA: '#b33a3a',
  rumbleB: '#d9d9d9',
  line: '#eeeeee',
  hood: '#15181d'
}

interface Slice {
  zM: number
  /** Screen y of the slice. */
  y: number
  /** Screen x of the lane centre. */
  x: number
  /** Pixels per metre at this depth. */
  scale: number
  distanceM: number
}

export interface RoadRendererOptions {
  showLeadCar: boolean
}

const rumbleOn = (s: Slice) => Math.floor(s.distanceM / 4) % 2 === 0

/** Depths of the slices: dense near the car, sparse far away, where a metre is a fraction of a pixel. */
function sliceDepths(): number[] {
  const depths: number[] = []
  for (let z = NEAR_M; z < FAR_M; z = z * 1.035 + 0.35) depths.push(z)
  depths.push(FAR_M)
  return depths
}

export function createRoadRenderer(scenario: Scenario, road: Road, options: RoadRendererOptions) {
  const depths = sliceDepths()
  const slices: Slice[] = depths.map((zM) => ({ zM, y: 0, x: 0, scale: 0, distanceM: 0 }))
  const laneW = scenario.road.laneWidthM
  const rightRailM = laneW / 2 + scenario.road.shoulderWidthM
  const leftEdgeM = -(laneW / 2 + (scenario.road.laneCount - 1) * laneW)
  const leftRailM = leftEdgeM - scenario.road.shoulderWidthM
  // the road's world heading at the car, integrated frame by frame to scroll the hills on bends
  let worldHeadingRad = 0
  let lastDistanceM = 0

  const quad = (ctx: CanvasRenderingContext2D, a: Slice, b: Slice, fromM: number, toM: number) => {
    ctx.moveTo(a.x + fromM * a.scale, a.y)
    ctx.lineTo(a.x + toM * a.scale, a.y)
    ctx.lineTo(b.x + toM * b.scale, b.y)
    ctx.lineTo(b.x + fromM * b.scale, b.y)
    ctx.closePath()
  }

  function draw(ctx: CanvasRenderingContext2D, width: number, height: number, view: DriveView): void {
    const { vehicle } = view
    const focal = height * 0.95
    const horizonY = Math.round(height * 0.42)
    const cx = width / 2

    const travelled = vehicle.distanceM - lastDistanceM
    if (travelled > 0 && travelled < 100) worldHeadingRad += road.curvatureAt(vehicle.distanceM) * travelled
    lastDistanceM = vehicle.distanceM

    // integrate the road ahead: tangent angle, then lateral offset of the lane centre
    let thetaRad = 0
    let xRoadM = 0
    let previousZ = 0
    for (const slice of slices) {
      const dz = slice.zM - previousZ
      thetaRad += road.curvatureAt(vehicle.distanceM + slice.zM) * dz
      xRoadM += thetaRad * dz
      previousZ = slice.zM
      const xRelM = xRoadM - vehicle.laneOffsetM - vehicle.headingRad * slice.zM
      slice.scale = focal / slice.zM
      slice.x = cx + xRelM * slice.scale
      slice.y = horizonY + CAMERA_HEIGHT_M * slice.scale
      slice.distanceM = vehicle.distanceM + slice.zM
    }

    // sky and hills
    const sky = ctx.createLinearGradient(0, 0, 0, horizonY)
    sky.addColorStop(0, COLORS.skyTop)
    sky.addColorStop(1, COLORS.skyHorizon)
    ctx.fillStyle = sky
    ctx.fillRect(0, 0, width, horizonY + 1)
    const hillShiftPx = (worldHeadingRad + vehicle.headingRad) * focal
    ctx.fillStyle = COLORS.hills
    ctx.beginPath()
    ctx.moveTo(0, horizonY + 1)
    for (let px = 0; px <= width; px += 16) {
      const u = (px + hillShiftPx) / width
      ctx.lineTo(px, horizonY - height * (0.03 + 0.025 * Math.sin(u * 5.1) + 0.015 * Math.sin(u * 13.7 + 1)))
    }
    ctx.lineTo(width, horizonY + 1)
    ctx.closePath()
    ctx.fill()

    // ground, batched by colour; slices run near → far
    ctx.fillStyle = COLORS.grassA
    ctx.fillRect(0, horizonY, width, height - horizonY)
    ctx.fillStyle = COLORS.grassB
    ctx.beginPath()
    for (let i = 1; i < slices.length; i++) {
      if (Math.floor(slices[i].distanceM / STRIPE_M) % 2 === 0) continue
      const top = slices[i].y
      ctx.rect(0, top, width, Math.max(1, slices[i - 1].y - top))
    }
    ctx.fill()

    const fillBand = (color: string, fromM: number, toM: number, include: (near: Slice) => boolean = () => true) => {
      ctx.fillStyle = color
      ctx.beginPath()
      for (let i = 1; i < slices.length; i++) if (include(slices[i - 1])) quad(ctx, slices[i - 1], slices[i], fromM, toM)
      ctx.fill()
    }
    fillBand(COLORS.shoulder, leftRailM, rightRailM)
    fillBand(COLORS.road, leftEdgeM, laneW / 2)
    fillBand(COLORS.rumbleA, rightRailM - RUMBLE_WIDTH_M, rightRailM, rumbleOn)
    fillBand(COLORS.rumbleB, rightRailM - RUMBLE_WIDTH_M, rightRailM, (s) => !rumbleOn(s))
    fillBand(COLORS.rumbleA, leftRailM, leftRailM + RUMBLE_WIDTH_M, rumbleOn)
    fillBand(COLORS.rumbleB, leftRailM, leftRailM + RUMBLE_WIDTH_M, (s) => !rumbleOn(s))
    fillBand(COLORS.line, laneW / 2 - LINE_WIDTH_M, laneW / 2)
    fillBand(COLORS.line, leftEdgeM, leftEdgeM + LINE_WIDTH_M)
    for (let k = 0; k < scenario.road.laneCount - 1; k++) {
      const dividerM = -laneW / 2 - k * laneW
      fillBand(COLORS.line, dividerM - LINE_WIDTH_M / 2, dividerM + LINE_WIDTH_M / 2, (s) => s.distanceM % DASH_PERIOD_M < DASH_M)
    }

    if (options.showLeadCar) drawLeadCar(ctx, view)
    if (view.stimulus?.kind === 'light') drawLight(ctx, width, height)
    drawCockpit(ctx, width, height, view)
  }

  function laneCentreAt(zM: number): { x: number; y: number; scale: number } {
    for (let i = 1; i < slices.length; i++) {
      if (slices[i].zM >= zM) {
        const a = slices[i - 1]
        const b = slices[i]
        const t = (zM - a.zM) / (b.zM - a.zM)
        return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, scale: a.scale + (b.scale - a.scale) * t }
      }
    }
    const last = slices[slices.length - 1]
    return { x: last.x, y: last.y, scale: last.scale }
  }

  function drawLeadCar(ctx: CanvasRenderingContext2D, view: DriveView) {
    const { x, y, scale } = laneCentreAt(LEAD_CAR_DISTANCE_M)
    const w = 1.8 * scale
    const h = 1.35 * scale
    ctx.fillStyle = 'rgba(0,0,0,0.35)'
    ctx.fillRect(x - w * 0.55, y - 0.1 * scale, w * 1.1, 0.2 * scale)
    ctx.fillStyle = '#2f3d57'
    ctx.fillRect(x - w / 2, y - h, w, h * 0.92)
    ctx.fillStyle = '#1b2230'
    ctx.fillRect(x - w * 0.38, y - h * 0.98, w * 0.76, h * 0.35)
    const isBraking = view.stimulus?.kind === 'brake_lights'
    ctx.fillStyle = isBraking ? '#ff2a1a' : '#6a1a14'
    const lampW = w * 0.2
    const lampH = h * 0.14
    ctx.fillRect(x - w / 2 + w * 0.05, y - h * 0.5, lampW, lampH)
    ctx.fillRect(x + w / 2 - w * 0.05 - lampW, y - h * 0.5, lampW, lampH)
    if (isBraking) {
      ctx.fillRect(x - w * 0.12, y - h * 0.96, w * 0.24, h * 0.06)
      ctx.fillStyle = 'rgba(255,60,30,0.25)'
      ctx.beginPath()
      ctx.arc(x - w / 2 + w * 0.15, y - h * 0.43, lampW, 0, Math.PI * 2)
      ctx.arc(x + w / 2 - w * 0.15, y - h * 0.43, lampW, 0, Math.PI * 2)
      ctx.fill()
    }
  }

  return { draw }
}

/** The PVT light: above the road, below the KSS prompt's band at the top, so both can show at once. */
function drawLight(ctx: CanvasRenderingContext2D, width: number, height: number) {
  const r = height * 0.045
  const x = width / 2
  const y = height * 0.31
  ctx.fillStyle = 'rgba(255,40,20,0.25)'
  ctx.beginPath()
  ctx.arc(x, y, r * 1.8, 0, Math.PI * 2)
  ctx.fill()
  ctx.fillStyle = '#ff2a1a'
  ctx.beginPath()
  ctx.arc(x, y, r, 0, Math.PI * 2)
  ctx.fill()
}

function formatClock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** Hood, steering wheel, speed and time left: what a driver sees, and no fatigue data. */
function drawCockpit(ctx: CanvasRenderingContext2D, width: number, height: number, view: DriveView) {
  ctx.fillStyle = COLORS.hood
  ctx.beginPath()
  ctx.moveTo(0, height)
  ctx.lineTo(0, height * 0.9)
  ctx.quadraticCurveTo(width / 2, height * 0.83, width, height * 0.9)
  ctx.lineTo(width, height)
  ctx.closePath()
  ctx.fill()

  const r = height * 0.16
  const wx = width / 2
  const wy = height * 1.0
  ctx.save()
  ctx.translate(wx, wy)
  ctx.rotate((view.steeringWheelDeg * Math.PI) / 180)
  ctx.strokeStyle = '#2b2f36'
  ctx.lineWidth = r * 0.16
  ctx.beginPath()
  ctx.arc(0, 0, r, 0, Math.PI * 2)
  ctx.stroke()
  ctx.lineWidth = r * 0.12
  ctx.beginPath()
  ctx.moveTo(-r, 0)
  ctx.lineTo(r, 0)
  ctx.stroke()
  ctx.fillStyle = '#c9a227'
  ctx.fillRect(-r * 0.05, -r * 1.08, r * 0.1, r * 0.16)
  ctx.restore()

  ctx.fillStyle = '#e8eef7'
  ctx.font = `600 ${Math.round(height * 0.045)}px system-ui, sans-serif`
  ctx.textAlign = 'left'
  ctx.textBaseline = 'bottom'
  ctx.fillText(`${Math.round(view.vehicle.speedMps * 3.6)} km/h`, width * 0.04, height * 0.97)
  // time left sits top right: the bottom-right corner belongs to the camera panel
  ctx.textAlign = 'right'
  ctx.textBaseline = 'top'
  ctx.font = `500 ${Math.round(height * 0.03)}px system-ui, sans-serif`
  ctx.fillText(formatClock(view.durationMs - view.tMs), width * 0.97, height * 0.03)
}
