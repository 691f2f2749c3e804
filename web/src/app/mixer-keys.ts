// The mixer's transport as buttons and the keyboard drive it: the mixer and the track's own
// player never sound at once, and the window's shortcuts go to the mixer while it is open.
import { mixer } from '../mixer/mixer.svelte.ts';
import { player } from '../state/player.svelte.ts';

/** Plays the mixer (pausing the track's player first), or pauses it. */
export function toggleMixer(): void {
  if (mixer.playing) {
    mixer.pause();
  } else {
    player.pause();
    void mixer.play();
  }
}

/** Sets loop point A or B where the playhead is (snapped by the mixer's snap setting). */
export function setLoopHere(which: 'a' | 'b'): void {
  mixer.setLoopPoint(which, mixer.positionSec);
}

/**
 * The window's shortcut for `event` while the mixer is open, if it has one: Space play/pause,
 * ←/→ 5 s (shift: 1 s), Home/End, [ / ] loop A / B, L loop on/off, C click. A focused lane
 * adds M, S and ↑/↓ of its own (MixerLane.svelte).
 */
export function mixerShortcut(event: KeyboardEvent): (() => void) | undefined {
  const step = event.shiftKey ? 1 : 5;
  const actions: Record<string, () => void> = {
    ' ': toggleMixer,
    ArrowLeft: () => mixer.nudge(-step),
    ArrowRight: () => mixer.nudge(step),
    Home: () => mixer.seek(0),
    End: () => mixer.seek(mixer.durationSec),
    '[': () => setLoopHere('a'),
    ']': () => setLoopHere('b'),
    l: () => mixer.toggleLoop(),
    L: () => mixer.toggleLoop(),
    c: () => mixer.grid && mixer.toggleClick(),
    C: () => mixer.grid && mixer.toggleClick(),
  };
  return actions[event.key];
}

/** The same keys, as the hint line shows them. */
export const MIXER_KEYS_HINT =
  'Space play/pause · ←/→ seek · [ ] loop A/B · L loop · C click · on a lane: M mute, S solo, ↑/↓ volume';
