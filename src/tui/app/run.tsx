// `boxify` with no arguments on a terminal: the full-screen TUI (the work is in terminal.tsx).
// React and Ink are loaded here for the first time in the process, which is where two of
// their process-wide choices are made:
// - React's production build: the development one checks every render and costs several
//   times the CPU of a 1 Hz refresh;
// - Ink decides once, at load, whether it runs in CI (env CI or CONTINUOUS_INTEGRATION) and
//   then draws nothing but the last frame. This is an interactive terminal by definition,
//   so those variables are hidden while Ink loads (and put back for the shells it starts).
import type { RunTuiOptions } from './terminal.js';

export type { RunTuiOptions };

const CI_VARS = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

export async function runTui(opts: RunTuiOptions): Promise<void> {
  process.env.NODE_ENV ??= 'production';
  const hidden = CI_VARS.map((k) => [k, process.env[k]] as const);
  for (const k of CI_VARS) delete process.env[k];
  let mod: typeof import('./terminal.js');
  try {
    mod = await import('./terminal.js');
  } finally {
    for (const [k, v] of hidden) if (v !== undefined) process.env[k] = v;
  }
  return mod.runTerminalTui(opts);
}
