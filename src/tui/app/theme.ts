// Colours that carry meaning, and the monochrome fallback: with NO_COLOR set (no-color.org)
// every colour is dropped and only bold/inverse/underline remain, which is why every state is
// also spelled out in words.
import { createContext, useContext } from 'react';

export type Tone = 'running' | 'stopped' | 'failed' | 'pending' | 'accent' | 'muted' | 'error' | 'match';

const COLORS: Record<Tone, string> = {
  running: 'green',
  stopped: 'gray',
  failed: 'red',
  pending: 'yellow',
  accent: 'cyan',
  muted: 'gray',
  error: 'red',
  match: 'yellow',
};

export interface Theme {
  mono: boolean;
  color(tone: Tone): string | undefined;
}

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  const mono = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return { mono, color: (tone) => (mono ? undefined : COLORS[tone]) };
}

export const ThemeContext = createContext<Theme>(makeTheme());

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
