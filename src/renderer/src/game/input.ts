/**
 * Keyboard and Gamepad API → one DriveInput per simulation step. Presses shorter than a step are
 * latched so they are never lost, and each press reaches the step whose time slice holds its event
 * `timeStamp` (same clock as performance.now()), not the first step of the next frame: the
 * simulation's own reaction time is then as exact as the step, whatever the frame rate.
 */
import type { DriveInput } from '@shared/game/events'

const STEER_LEFT = new Set(['ArrowLeft', 'KeyA'])
const STEER_RIGHT = new Set(['ArrowRight', 'KeyD'])
const THROTTLE = new Set(['ArrowUp', 'KeyW'])
const BRAKE = new Set(['ArrowDown', 'KeyS'])
const BUTTON = new Set(['Space', 'Enter', 'NumpadEnter'])
const HANDLED = new Set([...STEER_LEFT, ...STEER_RIGHT, ...THROTTLE, ...BRAKE, ...BUTTON])
const STICK_DEADZONE = 0.06
/** Standard-mapping gamepad: A / cross is the response button, triggers are the pedals. */
const PAD_BUTTON = 0
const PAD_BRAKE = 6
const PAD_THROTTLE = 7
/** KSS on a wheel or pad: D-pad left/right move the highlighted value, Y / triangle confirms it. */
const PAD_KSS_CONFIRM = 3
const PAD_KSS_LEFT = 14
const PAD_KSS_RIGHT = 15
const KSS_START = 5

export type ResponseVia = 'button' | 'brake'

export interface InputSampler {
  /** Reads the gamepad; call once per animation frame before stepping. */
  pollGamepad(nowPerfMs: number): void
  /** The input for the step ending at `stepEndPerfMs`; consumes the presses due by then. */
  sample(stepEndPerfMs: number): DriveInput
  /** performance.now() time of the latest press of the button or brake. */
  lastPressPerfMs(via: ResponseVia): number | null
  readonly hasGamepad: boolean
  /** The KSS value a gamepad would confirm, null without a gamepad. */
  readonly kssCursor: number | null
  dispose(): void
}

const isDue = (atMs: number | null, byMs: number) => atMs !== null && atMs <= byMs

function kssDigit(event: KeyboardEvent): number | null {
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code)
  return match ? Number(match[1]) : null
}

export function createInputSampler(target: Window = window): InputSampler {
  /** Held keys, with the time each went down. */
  const held = new Map<string, number>()
  // presses not yet delivered to a step, by event time
  let latchedButtonMs: number | null = null
  let latchedBrakeMs: number | null = null
  let latchedKss: { digit: number; atMs: number } | null = null
  const lastPress: Record<ResponseVia, number | null> = { button: null, brake: null }
  let pad = { steer: 0, throttle: 0, brake: 0, isButtonDown: false, isActive: false }
  let hasGamepad = false
  let kssCursor = KSS_START
  let padKssButtons = { left: false, right: false, confirm: false }

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return
    const digit = kssDigit(event)
    if (digit !== null) {
      latchedKss = { digit, atMs: event.timeStamp }
      event.preventDefault()
      return
    }
    if (!HANDLED.has(event.code)) return
    event.preventDefault()
    if (event.repeat) return
    held.set(event.code, event.timeStamp)
    if (BUTTON.has(event.code)) {
      latchedButtonMs = event.timeStamp
      lastPress.button = event.timeStamp
    }
    if (BRAKE.has(event.code)) {
      latchedBrakeMs = event.timeStamp
      lastPress.brake = event.timeStamp
    }
  }
  const onKeyUp = (event: KeyboardEvent) => {
    held.delete(event.code)
  }
  // a window losing focus never sees the keyup: release everything rather than steer forever
  const onBlur = () => held.clear()
  target.addEventListener('keydown', onKeyDown)
  target.addEventListener('keyup', onKeyUp)
  target.addEventListener('blur', onBlur)

  const anyHeld = (codes: Set<string>, byMs: number) => [...codes].some((c) => (held.get(c) ?? Infinity) <= byMs)

  return {
    get hasGamepad() {
      return hasGamepad
    },
    get kssCursor() {
      return hasGamepad ? kssCursor : null
    },
    pollGamepad(nowPerfMs) {
      const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : []
      const gp = pads.find((p) => p && p.connected) ?? null
      hasGamepad = gp !== null
      if (!gp) {
        pad = { steer: 0, throttle: 0, brake: 0, isButtonDown: false, isActive: false }
        return
      }
      const axis = gp.axes[0] ?? 0
      const steer = Math.abs(axis) < STICK_DEADZONE ? 0 : (axis - Math.sign(axis) * STICK_DEADZONE) / (1 - STICK_DEADZONE)
      const isButtonDown = gp.buttons[PAD_BUTTON]?.pressed ?? false
      const brake = gp.buttons[PAD_BRAKE]?.value ?? 0
      // the Gamepad API is polled: its press time is this frame's, at most a frame late
      if (isButtonDown && !pad.isButtonDown) lastPress.button = nowPerfMs
      if (brake >= 0.5 && pad.brake < 0.5) lastPress.brake = nowPerfMs
      pad = { steer, throttle: gp.buttons[PAD_THROTTLE]?.value ?? 0, brake, isButtonDown, isActive: true }
      const buttons = {
        left: gp.buttons[PAD_KSS_LEFT]?.pressed ?? false,
        right: gp.buttons[PAD_KSS_RIGHT]?.pressed ?? false,
        confirm: gp.buttons[PAD_KSS_CONFIRM]?.pressed ?? false
      }
      if (buttons.left && !padKssButtons.left) kssCursor = Math.max(1, kssCursor - 1)
      if (buttons.right && !padKssButtons.right) kssCursor = Math.min(9, kssCursor + 1)
      if (buttons.confirm && !padKssButtons.confirm) latchedKss = { digit: kssCursor, atMs: nowPerfMs }
      padKssButtons = buttons
    },
    sample(stepEndPerfMs) {
      const t = stepEndPerfMs
      const left = anyHeld(STEER_LEFT, t)
      const right = anyHeld(STEER_RIGHT, t)
      const isKeyboardSteering = left || right
      const isButtonLatched = isDue(latchedButtonMs, t)
      const isBrakeLatched = isDue(latchedBrakeMs, t)
      const kss = latchedKss && latchedKss.atMs <= t ? latchedKss.digit : null
      const input: DriveInput = {
        steer: isKeyboardSteering ? (right ? 1 : 0) - (left ? 1 : 0) : pad.steer,
        isAnalogSteer: !isKeyboardSteering && pad.isActive,
        throttle: Math.max(anyHeld(THROTTLE, t) ? 1 : 0, pad.throttle),
        brake: Math.max(anyHeld(BRAKE, t) || isBrakeLatched ? 1 : 0, pad.brake),
        isButtonDown: anyHeld(BUTTON, t) || isButtonLatched || pad.isButtonDown,
        kssKey: kss
      }
      if (isButtonLatched) latchedButtonMs = null
      if (isBrakeLatched) latchedBrakeMs = null
      if (kss !== null) latchedKss = null
      return input
    },
    lastPressPerfMs: (via) => lastPress[via],
    dispose() {
      target.removeEventListener('keydown', onKeyDown)
      target.removeEventListener('keyup', onKeyUp)
      target.removeEventListener('blur', onBlur)
    }
  }
}
