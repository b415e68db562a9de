/**
 * The boot machine's steps as the mutant tests write them: a state by its
 * boot state (and a patch), one step at NOW, the effects they expect.
 */
import { step, type BootEvent, type BootEffect } from '../../src/cluster/boot-machine.js';
import { initialPortState, type BootState, type PortState } from '../../src/cluster/types.js';

export const opts = { timeoutMs: 60_000 };
export const T0 = 1_000;
export const NOW = 5_000;
export const at = (state: BootState, patch: Partial<PortState> = {}): PortState => ({ ...initialPortState(T0), state, ...patch });
export const run = (s: PortState, e: BootEvent, now = NOW) => step(s, e, now, opts);
export const changed = (from: BootState, to: BootState): BootEffect => ({ type: 'stateChanged', from, to });
export const persist: BootEffect = { type: 'persist' };
