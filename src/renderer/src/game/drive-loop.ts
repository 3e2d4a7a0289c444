/**
 * The participant's frame loop: fixed simulation steps from an accumulator of real time, one paint
 * per animation frame, and the timing that matters for PVT. A stimulus's onset is the
 * performance.now() right after the frame that first shows it was drawn; a response's time is its
 * input event's `timeStamp`. Their difference is the reaction time sent to the station.
 */
import type { DriveCommand, GameEvent } from '@shared/game/events'
import { createRecordedDrive, type DriveStatus, type InputLog } from './sim'
import type { Scenario } from '@shared/schemas/scenario'
import type { GameLink } from './game-link'
import { createInputSampler, type InputSampler } from './input'
import { createRoadRenderer } from './road-renderer'

/** After a stall (tab hidden, debugger) catch up at most this much simulated time, then drop the rest. */
const MAX_CATCH_UP_MS = 250
const INPUT_LOG_INTERVAL_MS = 1000

const epochOf = (perfMs: number) => performance.timeOrigin + perfMs

export interface DriveLoopState {
  status: DriveStatus
  kssPromptId: number | null
  lastKssAnswer: number | null
  /** Answers so far; lets the prompt thank each one, even a repeated value. */
  kssAnswers: number
  /** The value a gamepad would confirm (null without one). */
  kssCursor: number | null
}

export interface DriveLoop {
  /** Applies an operator command now: outside the frame callback is always between two steps. */
  command(command: DriveCommand): void
  readonly log: InputLog
  readonly state: DriveLoopState
  /** Frame and step cost, for the bench. */
  readonly timings: { frameMs: number[]; stepMs: number[] }
  stop(): void
}

export interface DriveLoopOptions {
  scenario: Scenario
  canvas: HTMLCanvasElement
  link: GameLink | null
  onState(state: DriveLoopState): void
  /** Record per-frame costs into `timings` (bench only). */
  isMeasuring?: boolean
  sampler?: InputSampler
}

export function startDriveLoop(options: DriveLoopOptions): DriveLoop {
  const { scenario, canvas, link } = options
  const { sim, log } = createRecordedDrive(scenario)
  const sampler = options.sampler ?? createInputSampler()
  const renderer = createRoadRenderer(scenario, sim.road, { showLeadCar: scenario.stimuli.some((b) => b.stimulusKind === 'brake_lights') })
  const ctx = canvas.getContext('2d', { alpha: false })
  if (!ctx) throw new Error('canvas 2D is not available')
  const onsetPerfMs = new Map<number, number>()
  const timings = { frameMs: [] as number[], stepMs: [] as number[] }
  const state: DriveLoopState = { status: sim.status, kssPromptId: null, lastKssAnswer: null, kssAnswers: 0, kssCursor: null }
  let toPaint: Extract<GameEvent, { kind: 'stimulus_shown' }>[] = []
  let accumulatorMs = 0
  let lastFrameMs: number | null = null
  let sentLogEntries = 0
  let sentLogStep = -1
  let lastLogSendMs = 0
  let frameId = 0
  let isStopped = false

  const sendInputLog = () => {
    if (!link || (log.entries.length === sentLogEntries && log.endStep === sentLogStep)) return
    link.send({ kind: 'drive_inputs', scenarioId: log.scenarioId, seed: log.seed, fromIndex: sentLogEntries, entries: log.entries.slice(sentLogEntries), endStep: log.endStep }, Date.now())
    sentLogEntries = log.entries.length
    sentLogStep = log.endStep
  }

  const handle = (events: GameEvent[], atPerfMs: number) => {
    for (const event of events) {
      switch (event.kind) {
        case 'stimulus_shown':
          // sent once painted, with the paint time
          toPaint.push(event)
          continue
        case 'response': {
          const onset = onsetPerfMs.get(event.stimulusId)
          const pressed = sampler.lastPressPerfMs(event.via)
          onsetPerfMs.delete(event.stimulusId)
          if (onset !== undefined && pressed !== null && pressed >= onset) {
            link?.send({ ...event, reactionTimeMs: pressed - onset }, epochOf(pressed))
            continue
          }
          break
        }
        case 'stimulus_missed':
          onsetPerfMs.delete(event.stimulusId)
          break
        case 'kss_answer':
          state.lastKssAnswer = event.value
          state.kssAnswers++
          break
        default:
          break
      }
      link?.send(event, epochOf(atPerfMs))
    }
  }

  const frame = (nowMs: number) => {
    if (isStopped) return
    const frameStart = performance.now()
    sampler.pollGamepad(nowMs)
    let stepCostMs = 0
    if (sim.status === 'running') {
      accumulatorMs += Math.min(MAX_CATCH_UP_MS, lastFrameMs === null ? 0 : nowMs - lastFrameMs)
      while (accumulatorMs >= sim.stepMs && sim.status === 'running') {
        accumulatorMs -= sim.stepMs
        // the step stands for the moment its time slice ended
        const stepEndMs = nowMs - accumulatorMs
        const t0 = performance.now()
        const events = sim.step(sampler.sample(stepEndMs))
        stepCostMs += performance.now() - t0
        handle(events, stepEndMs)
      }
    } else {
      accumulatorMs = 0
      // inputs while not driving are not responses; drop latched presses
      sampler.sample(nowMs)
    }
    lastFrameMs = nowMs

    const dpr = window.devicePixelRatio || 1
    const width = Math.round(canvas.clientWidth * dpr)
    const height = Math.round(canvas.clientHeight * dpr)
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
    }
    const view = sim.view()
    renderer.draw(ctx, width, height, view)
    const paintedMs = performance.now()
    for (const event of toPaint) {
      onsetPerfMs.set(event.stimulusId, paintedMs)
      link?.send(event, epochOf(paintedMs))
    }
    toPaint = []

    if (nowMs - lastLogSendMs >= INPUT_LOG_INTERVAL_MS || sim.status === 'ended') {
      sendInputLog()
      lastLogSendMs = nowMs
    }
    if (state.status !== sim.status || state.kssPromptId !== view.kssPromptId || state.kssCursor !== sampler.kssCursor) {
      state.status = sim.status
      state.kssPromptId = view.kssPromptId
      state.kssCursor = sampler.kssCursor
      if (sim.status === 'ended') link?.flush()
      options.onState({ ...state })
    }
    if (options.isMeasuring) {
      timings.frameMs.push(performance.now() - frameStart)
      timings.stepMs.push(stepCostMs)
    }
    frameId = requestAnimationFrame(frame)
  }
  frameId = requestAnimationFrame(frame)
  link?.send({ kind: 'drive_ready', scenarioId: scenario.id, seed: scenario.seed, status: sim.status }, Date.now())

  return {
    command: (command) => handle(sim.command(command), performance.now()),
    log,
    state,
    timings,
    stop() {
      isStopped = true
      cancelAnimationFrame(frameId)
      sendInputLog()
      if (!options.sampler) sampler.dispose()
    }
  }
}
