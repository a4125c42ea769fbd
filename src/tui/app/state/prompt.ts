// The one-line inputs at the bottom of the screen: the filter, the logs search, the `:`
// command line, and the short questions before an action (the image to pull, the name of a
// new volume, the command and user of a shell). One to a few fields, each edited with
// readline keys; Enter answers, Esc drops it. Pure.
import { editLine, line, type Line } from '../input/lineEdit.js';
import type { InputEvent } from '../input/keys.js';

export type PromptKind = 'filter' | 'search' | 'command' | 'pull' | 'volume' | 'exec' | 'network';

export interface PromptField {
  label: string;
  line: Line;
  hint: string;
}

export interface Prompt {
  kind: PromptKind;
  fields: PromptField[];
  focus: number;
  /** Why the last answer was refused; shown until the next edit. */
  error: string | null;
  /** The filter's value before editing, restored by Esc. */
  previous?: string;
  /** Command-line completions to show. */
  candidates?: string[];
  /** What the prompt acts on (the container of a shell, the pane of a filter). */
  target?: string;
}

export type PromptAction =
  | { type: 'prompt/open'; prompt: Prompt }
  | { type: 'prompt/edit'; ev: InputEvent }
  | { type: 'prompt/setText'; text: string; candidates?: string[] }
  | { type: 'prompt/focus'; delta: number }
  | { type: 'prompt/error'; message: string }
  | { type: 'prompt/close' };

export function makePrompt(kind: PromptKind, fields: { label: string; value?: string; hint?: string }[], extra: Partial<Prompt> = {}): Prompt {
  return { kind, fields: fields.map((f) => ({ label: f.label, line: line(f.value ?? ''), hint: f.hint ?? '' })), focus: 0, error: null, ...extra };
}

export function promptValue(p: Prompt, i = 0): string {
  return p.fields[i]?.line.value ?? '';
}

/** Returns the new prompt, or null when the event is not an edit (the caller's to handle). */
export function promptReducer(p: Prompt | null, a: PromptAction): Prompt | null {
  switch (a.type) {
    case 'prompt/open':
      return a.prompt;
    case 'prompt/close':
      return null;
  }
  if (!p) return p;
  switch (a.type) {
    case 'prompt/edit': {
      const f = p.fields[p.focus];
      if (!f) return p;
      const next = editLine(f.line, a.ev);
      if (!next || next === f.line) return p;
      const fields = p.fields.slice();
      fields[p.focus] = { ...f, line: next };
      return { ...p, fields, error: null, candidates: undefined };
    }
    case 'prompt/setText': {
      const f = p.fields[p.focus];
      if (!f) return p;
      const fields = p.fields.slice();
      fields[p.focus] = { ...f, line: line(a.text) };
      return { ...p, fields, candidates: a.candidates };
    }
    case 'prompt/focus':
      return { ...p, focus: (p.focus + a.delta + p.fields.length) % p.fields.length };
    case 'prompt/error':
      return { ...p, error: a.message };
  }
}
