import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { driveSlots } from './drive-slots'
import { FaceDriveSlot } from './face'
import { DrivingGame } from './game'
import './styles.css'

// Features that fill the participant's Drive page (see drive-slots.ts).
driveSlots.face = FaceDriveSlot
driveSlots.game = DrivingGame

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>
)
