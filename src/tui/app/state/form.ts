// The create-container form: field values (edited with readline keys), focus, the image
// choice, the interactive (TTY) toggle, validation shown on the field before anything is
// sent, and the daemon's answer if it refuses. Pure.
import type { ContainerCreateRequest } from '../../../core/api/types.js';
import { CPU_SHARES_MAX, CPU_SHARES_MIN } from '../../../core/config/cpu-weight.js';
import { parsePublishFlag, toPortBindings, type PortMapping } from '../../../core/network/ports.js';
import { editLine, line, type Line } from '../input/lineEdit.js';
import type { InputEvent } from '../input/keys.js';

export const FIELDS = ['name', 'image', 'command', 'tty', 'ports', 'volumes', 'env', 'memory', 'cpus', 'cpuShares'] as const;
export type FieldName = (typeof FIELDS)[number];
export type TextField = Exclude<FieldName, 'image' | 'tty'>;

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Name',
  image: 'Image',
  command: 'Command',
  tty: 'Interactive',
  ports: 'Ports',
  volumes: 'Volumes',
  env: 'Env',
  memory: 'Memory',
  cpus: 'CPUs',
  cpuShares: 'CPU shares',
};

/** Docker's default CPU shares (what a container created without any gets). */
export const DEFAULT_CPU_SHARES = 1024;

export const FIELD_HINTS: Record<FieldName, string> = {
  name: 'optional; at least 2 characters: letters, digits, _ . -',
  image: '←/→ to choose',
  command: "optional: the image's default",
  tty: 'space toggles: a TTY and open stdin keep a shell up',
  ports: 'e.g. 8080:80 127.0.0.1:53:53/udp',
  volumes: 'e.g. /srv/data:/data:ro cache:/cache',
  env: 'K=V K2=V2',
  memory: 'e.g. 100m, 1g',
  cpus: 'e.g. 0.5',
  cpuShares: `${DEFAULT_CPU_SHARES} = default; docker's --cpu-shares scale, ${CPU_SHARES_MIN}-${CPU_SHARES_MAX}`,
};

export interface FormState {
  focus: number;
  values: Record<TextField, Line>;
  /** Image references to choose from; null while they load. */
  images: string[] | null;
  imageIndex: number;
  /** The image asked for (run from the images pane): chosen once the list has loaded. */
  wantImage: string | null;
  /** The TTY toggle as set by the user; null follows the default (on when no command is given). */
  tty: boolean | null;
  errors: Partial<Record<FieldName, string>>;
  submitting: boolean;
  serverError: string | null;
}

export type FormAction =
  | { type: 'form/focus'; delta: number }
  | { type: 'form/focusField'; field: FieldName }
  | { type: 'form/edit'; ev: InputEvent }
  | { type: 'form/set'; field: TextField; value: string }
  | { type: 'form/images'; images: string[] }
  | { type: 'form/cycleImage'; delta: number }
  | { type: 'form/toggleTty' }
  | { type: 'form/errors'; errors: Partial<Record<FieldName, string>> }
  | { type: 'form/submitting' }
  | { type: 'form/failed'; message: string };

export function initialForm(image?: string): FormState {
  return {
    focus: 0,
    values: { name: line(), command: line(), ports: line(), volumes: line(), env: line(), memory: line(), cpus: line(), cpuShares: line() },
    images: null,
    imageIndex: 0,
    wantImage: image ?? null,
    tty: null,
    errors: {},
    submitting: false,
    serverError: null,
  };
}

export function focusedField(f: FormState): FieldName {
  return FIELDS[f.focus]!;
}

/** Whether the container gets a TTY: as toggled, else on when no command is given. */
export function ttyOn(f: FormState): boolean {
  return f.tty ?? f.values.command.value.trim() === '';
}

function clearError(f: FormState, field: FieldName): Partial<Record<FieldName, string>> {
  if (!(field in f.errors)) return f.errors;
  const errors = { ...f.errors };
  delete errors[field];
  return errors;
}

export function formReducer(f: FormState, a: FormAction): FormState {
  switch (a.type) {
    case 'form/focus':
      return { ...f, focus: (f.focus + a.delta + FIELDS.length * 8) % FIELDS.length };
    case 'form/focusField':
      return { ...f, focus: FIELDS.indexOf(a.field) };
    case 'form/edit': {
      const field = focusedField(f);
      if (field === 'image' || field === 'tty') return f;
      const next = editLine(f.values[field], a.ev);
      if (!next || next === f.values[field]) return f;
      // Editing a field clears its error: the message was about the old value.
      return { ...f, values: { ...f.values, [field]: next }, errors: clearError(f, field) };
    }
    case 'form/set':
      return { ...f, values: { ...f.values, [a.field]: line(a.value) }, errors: clearError(f, a.field) };
    case 'form/images': {
      const images = [...new Set(a.images)].sort();
      const want = f.wantImage ? images.indexOf(f.wantImage) : -1;
      const busybox = images.findIndex((i) => i.startsWith('busybox'));
      return { ...f, images, imageIndex: want >= 0 ? want : busybox >= 0 ? busybox : 0 };
    }
    case 'form/cycleImage': {
      const n = f.images?.length ?? 0;
      if (n === 0) return f;
      return { ...f, imageIndex: (f.imageIndex + a.delta + n * 8) % n, errors: clearError(f, 'image') };
    }
    case 'form/toggleTty':
      return { ...f, tty: !ttyOn(f) };
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

/** Docker's container name rule: two characters at least. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
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

/** `-v` values: "/host:/ctr[:ro|rw]" (a bind) or "name:/ctr[:ro]" (a named volume). */
export function parseVolumes(text: string): string[] {
  const out: string[] = [];
  for (const spec of splitCommand(text)) {
    const parts = spec.split(':');
    if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
      throw new Error(`"${spec}" is not a volume: use /host/path:/container/path[:ro] or name:/container/path`);
    }
    if (!parts[1].startsWith('/')) throw new Error(`"${spec}": the container path "${parts[1]}" must be absolute`);
    if (parts[2] !== undefined && !/^(ro|rw)$/.test(parts[2])) throw new Error(`"${spec}": the mode "${parts[2]}" is not ro or rw`);
    if (!parts[0].startsWith('/') && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(parts[0])) {
      throw new Error(`"${spec}": "${parts[0]}" is neither an absolute host path nor a volume name`);
    }
    out.push(spec);
  }
  return out;
}

export type Validation =
  | { ok: true; name: string | undefined; body: ContainerCreateRequest }
  | { ok: false; errors: Partial<Record<FieldName, string>> };

/** Checks every field and builds the create request; errors are keyed by field. */
export function validateForm(f: FormState): Validation {
  const errors: Partial<Record<FieldName, string>> = {};
  const v = (k: TextField) => f.values[k].value.trim();
  const name = v('name');
  if (name && !NAME_RE.test(name)) {
    errors.name = name.length < 2 ? 'at least 2 characters' : 'must start with a letter or digit, then letters, digits, _ . -';
  }
  const image = f.images?.[f.imageIndex];
  if (!image) errors.image = f.images === null ? 'images are still loading' : 'no images: pull one first (2, then p)';
  let cmd: string[] = [];
  try {
    cmd = splitCommand(v('command'));
  } catch (e) {
    errors.command = (e as Error).message;
  }
  const env = v('env') ? v('env').split(/\s+/) : [];
  const badEnv = env.find((e) => !e.includes('=') || !ENV_KEY_RE.test(e.slice(0, e.indexOf('='))));
  if (badEnv) errors.env = `"${badEnv}" is not KEY=value`;
  const hostConfig: NonNullable<ContainerCreateRequest['HostConfig']> = {};
  let ports: ReturnType<typeof toPortBindings> | null = null;
  if (v('ports')) {
    try {
      const mappings: PortMapping[] = v('ports')
        .split(/[\s,]+/)
        .filter(Boolean)
        .flatMap((p) => parsePublishFlag(p, 'ports'));
      ports = toPortBindings(mappings);
      hostConfig.PortBindings = ports.PortBindings;
    } catch (e) {
      errors.ports = (e as Error).message.replace(/^invalid ports: /i, '');
    }
  }
  if (v('volumes')) {
    try {
      hostConfig.Binds = parseVolumes(v('volumes'));
    } catch (e) {
      errors.volumes = (e as Error).message;
    }
  }
  if (v('memory')) {
    try {
      hostConfig.Memory = parseMemory(v('memory'));
    } catch (e) {
      errors.memory = (e as Error).message;
    }
  }
  if (v('cpus')) {
    const n = Number(v('cpus'));
    if (!Number.isFinite(n) || n <= 0) errors.cpus = 'must be a number above 0 (e.g. 0.5)';
    else hostConfig.NanoCpus = Math.round(n * 1e9);
  }
  if (v('cpuShares')) {
    const n = Number(v('cpuShares'));
    if (!Number.isInteger(n) || n < CPU_SHARES_MIN || n > CPU_SHARES_MAX) errors.cpuShares = `must be a whole number from ${CPU_SHARES_MIN} to ${CPU_SHARES_MAX}`;
    else hostConfig.CpuShares = n;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const body: ContainerCreateRequest = { Image: image!, HostConfig: hostConfig };
  if (cmd.length > 0) body.Cmd = cmd;
  if (env.length > 0) body.Env = env;
  if (ports) body.ExposedPorts = ports.ExposedPorts;
  if (ttyOn(f)) {
    // What `docker run -dit` sends: a terminal and an open stdin, so a shell waits for input.
    body.Tty = true;
    body.OpenStdin = true;
  }
  return { ok: true, name: name || undefined, body };
}
