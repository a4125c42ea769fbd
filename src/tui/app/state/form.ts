// The create-container form: field values, focus, the image choice, validation shown on the
// field before anything is sent, and the daemon's answer if it refuses. Pure.
import type { ContainerCreateRequest } from '../../../core/api/types.js';
import { cpuWeightToShares } from '../../../core/config/cpu-weight.js';

export const FIELDS = ['name', 'image', 'command', 'env', 'memory', 'cpus', 'cpuWeight'] as const;
export type FieldName = (typeof FIELDS)[number];
export type TextField = Exclude<FieldName, 'image'>;

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Name',
  image: 'Image',
  command: 'Command',
  env: 'Env',
  memory: 'Memory',
  cpus: 'CPUs',
  cpuWeight: 'CPU weight',
};

export const FIELD_HINTS: Record<FieldName, string> = {
  name: 'optional, letters digits _ . -',
  image: '←/→ to choose',
  command: 'optional: the image default',
  env: 'K=V K2=V2',
  memory: 'e.g. 100m, 1g',
  cpus: 'e.g. 0.5',
  cpuWeight: '1..10000',
};

export interface FormState {
  focus: number;
  values: Record<TextField, string>;
  /** Image references to choose from; null while they load. */
  images: string[] | null;
  imageIndex: number;
  errors: Partial<Record<FieldName, string>>;
  submitting: boolean;
  serverError: string | null;
}

export type FormAction =
  | { type: 'form/focus'; delta: number }
  | { type: 'form/set'; field: TextField; value: string }
  | { type: 'form/images'; images: string[] }
  | { type: 'form/cycleImage'; delta: number }
  | { type: 'form/errors'; errors: Partial<Record<FieldName, string>> }
  | { type: 'form/submitting' }
  | { type: 'form/failed'; message: string };

export function initialForm(): FormState {
  return {
    focus: 0,
    values: { name: '', command: '', env: '', memory: '', cpus: '', cpuWeight: '' },
    images: null,
    imageIndex: 0,
    errors: {},
    submitting: false,
    serverError: null,
  };
}

export function focusedField(f: FormState): FieldName {
  return FIELDS[f.focus]!;
}

export function formReducer(f: FormState, a: FormAction): FormState {
  switch (a.type) {
    case 'form/focus':
      return { ...f, focus: (f.focus + a.delta + FIELDS.length * 8) % FIELDS.length };
    case 'form/set': {
      // Editing a field clears its error: the message was about the old value.
      const errors = { ...f.errors };
      delete errors[a.field];
      return { ...f, values: { ...f.values, [a.field]: a.value }, errors };
    }
    case 'form/images': {
      const images = [...new Set(a.images)].sort();
      const busybox = images.findIndex((i) => i.startsWith('busybox'));
      return { ...f, images, imageIndex: busybox >= 0 ? busybox : 0 };
    }
    case 'form/cycleImage': {
      const n = f.images?.length ?? 0;
      if (n === 0) return f;
      const errors = { ...f.errors };
      delete errors.image;
      return { ...f, imageIndex: (f.imageIndex + a.delta + n * 8) % n, errors };
    }
    case 'form/errors': {
      const first = FIELDS.findIndex((k) => a.errors[k] !== undefined);
      return { ...f, errors: a.errors, focus: first >= 0 ? first : f.focus, serverError: null };
    }
    case 'form/submitting':
      return { ...f, submitting: true, errors: {}, serverError: null };
    case 'form/failed':
      return { ...f, submitting: false, serverError: a.message };
  }
}

/** Docker's container name rule. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i;
const SIZE_MULT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "100m" -> 104857600; throws a message naming the accepted forms. */
export function parseMemory(text: string): number {
  const m = SIZE_RE.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size: use a number with b, k, m or g (e.g. 100m)`);
  const bytes = Math.floor(Number(m[1]) * SIZE_MULT[m[2]!.toLowerCase()]!);
  if (!(bytes > 0)) throw new Error('must be more than 0');
  return bytes;
}

/** Splits a command line like a POSIX shell does for words: quotes and backslashes. */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** CPU weight (1..10000) -> Docker's CpuShares (2..262144): the program's one mapping. */
export const sharesFromWeight = cpuWeightToShares;

export type Validation =
  | { ok: true; name: string | undefined; body: ContainerCreateRequest }
  | { ok: false; errors: Partial<Record<FieldName, string>> };

/** Checks every field and builds the create request; errors are keyed by field. */
export function validateForm(f: FormState): Validation {
  const errors: Partial<Record<FieldName, string>> = {};
  const v = f.values;
  const name = v.name.trim();
  if (name && !NAME_RE.test(name)) errors.name = 'must start with a letter or digit, then letters, digits, _ . -';
  const image = f.images?.[f.imageIndex];
  if (!image) errors.image = f.images === null ? 'images are still loading' : 'no images: load one first (boxify load)';
  let cmd: string[] = [];
  try {
    cmd = splitCommand(v.command);
  } catch (e) {
    errors.command = (e as Error).message;
  }
  const env = v.env.trim() ? v.env.trim().split(/\s+/) : [];
  const badEnv = env.find((e) => !e.includes('=') || !ENV_KEY_RE.test(e.slice(0, e.indexOf('='))));
  if (badEnv) errors.env = `"${badEnv}" is not KEY=value`;
  const hostConfig: NonNullable<ContainerCreateRequest['HostConfig']> = {};
  if (v.memory.trim()) {
    try {
      hostConfig.Memory = parseMemory(v.memory);
    } catch (e) {
      errors.memory = (e as Error).message;
    }
  }
  if (v.cpus.trim()) {
    const n = Number(v.cpus.trim());
    if (!Number.isFinite(n) || n <= 0) errors.cpus = 'must be a number above 0 (e.g. 0.5)';
    else hostConfig.NanoCpus = Math.round(n * 1e9);
  }
  if (v.cpuWeight.trim()) {
    const n = Number(v.cpuWeight.trim());
    if (!Number.isInteger(n) || n < 1 || n > 10000) errors.cpuWeight = 'must be a whole number from 1 to 10000';
    else hostConfig.CpuShares = sharesFromWeight(n);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const body: ContainerCreateRequest = { Image: image!, HostConfig: hostConfig };
  if (cmd.length > 0) body.Cmd = cmd;
  if (env.length > 0) body.Env = env;
  return { ok: true, name: name || undefined, body };
}
