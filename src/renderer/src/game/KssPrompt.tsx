/**
 * The Karolinska Sleepiness Scale prompt: non-modal (it neither takes focus nor blocks the road;
 * driving goes on), answered with the digit keys 1-9 or, on a gamepad or wheel, by moving the
 * highlight with the D-pad and confirming. Anchors after Åkerstedt & Gillberg 1990.
 */
import { useEffect, useState } from 'react'

const ANCHORS: Record<number, string> = {
  1: 'Extremely alert',
  3: 'Alert',
  5: 'Neither alert nor sleepy',
  7: 'Sleepy, but no effort to keep awake',
  9: 'Very sleepy, fighting sleep'
}

const THANKS_MS = 2000

export function KssPrompt({ isOpen, lastAnswer, answerCount, cursor }: { isOpen: boolean; lastAnswer: number | null; answerCount: number; cursor: number | null }) {
  // the thanks shows from an answer until its timer dismisses that answer
  const [dismissedCount, setDismissedCount] = useState(0)
  useEffect(() => {
    if (answerCount === 0) return
    const timer = setTimeout(() => setDismissedCount(answerCount), THANKS_MS)
    return () => clearTimeout(timer)
  }, [answerCount])
  const isThanking = answerCount > dismissedCount
  if (!isOpen && !isThanking) return null
  return (
    <div className="kss-prompt" role="status" aria-live="polite" data-testid="kss-prompt">
      {isOpen ? (
        <>
          <p className="kss-question">
            How sleepy have you felt over the last few minutes? {cursor === null ? 'Press a key 1-9.' : 'Press a key 1-9, or choose with the D-pad and confirm with Y.'}
          </p>
          <ol className="kss-scale">
            {[1, 2, 3, 4, 5, 6, 7, 8, 9].map((value) => (
              <li key={value} className={value === cursor ? 'is-selected' : undefined}>
                <span className="kss-value">{value}</span>
                <span className="kss-anchor">{ANCHORS[value] ?? ''}</span>
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="kss-thanks">Thank you ({lastAnswer})</p>
      )}
    </div>
  )
}
