/**
 * Keyboard and Gamepad API → one DriveInput per simulation step. Presses shorter than a step are
 * latched so they are never lost, and the input event's own `timeStamp` (same clock as
 * performance.now()) is kept for reaction times: the frame loop would add up to a frame of jitter.
 */
import type { DriveInput } from '@shared/game'

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

export type ResponseVia = 'button' | 'brake'

export interface InputSampler {
  /** Reads the gamepad; call once per animation frame before stepping. */
  pollGamepad(nowPerfMs: number): void
  /** The input for the next step; consumes latched presses. */
  sample(): DriveInput
  /** performance.now() time of the latest press of the button or brake. */
  lastPressPerfMs(via: ResponseVia): number | null
  readonly hasGamepad: boolean
  dispose(): void
}

function kssDigit(event: KeyboardEvent): number | null {
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code)
  return match ? Number(match[1]) : null
}

export function createInputSampler(target: Window = window): InputSampler {
  const held = new Set<string>()
  let latchedButton = false
  let latchedBrake = false
  let latchedKss: number | null = null
  const lastPress: Record<ResponseVia, number | null> = { button: null, brake: null }
  let pad = { steer: 0, throttle: 0, brake: 0, isButtonDown: false, isActive: false }
  let hasGamepad = false

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return
    const digit = kssDigit(event)
    if (digit !== null) {
      latchedKss = digit
      event.preventDefault()
      return
    }
    if (!HANDLED.has(event.code)) return
    event.preventDefault()
    if (event.repeat) return
    held.add(event.code)
    if (BUTTON.has(event.code)) {
      latchedButton = true
      lastPress.button = event.timeStamp
    }
    if (BRAKE.has(event.code)) {
      latchedBrake = true
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

  const anyHeld = (codes: Set<string>) => [...codes].some((c) => held.has(c))

  return {
    get hasGamepad() {
      return hasGamepad
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
    },
    sample() {
      const left = anyHeld(STEER_LEFT)
      const right = anyHeld(STEER_RIGHT)
      const isKeyboardSteering = left || right
      const input: DriveInput = {
        steer: isKeyboardSteering ? (right ? 1 : 0) - (left ? 1 : 0) : pad.steer,
        isAnalogSteer: !isKeyboardSteering && pad.isActive,
        throttle: Math.max(anyHeld(THROTTLE) ? 1 : 0, pad.throttle),
        brake: Math.max(anyHeld(BRAKE) || latchedBrake ? 1 : 0, pad.brake),
        isButtonDown: anyHeld(BUTTON) || latchedButton || pad.isButtonDown,
        kssKey: latchedKss
      }
      latchedButton = false
      latchedBrake = false
      latchedKss = null
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
