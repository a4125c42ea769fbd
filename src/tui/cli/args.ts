// Docker-style argument parsing: grouped short flags (`-it`, `-dit`), values attached or
// separate (`-m100m`, `-m 100m`, `-m=100m`, `--name x`, `--name=x`), repeated flags
// (`-e A=1 -e B=2`), `--` to end flags, and for `run`/`exec` the flags stop at the first
// positional argument so the container's command keeps its own (`run busybox ls -l`).
// node:util parseArgs can do neither grouped values nor stop-at-positional.

export interface FlagSpec {
  long: string;
  short?: string;
  /** Takes a value (otherwise a boolean switch). */
  value?: boolean;
  /** May repeat; the values collect in a list. */
  multiple?: boolean;
  /** Shown in help, e.g. "SIZE". */
  metavar?: string;
  help: string;
}

export interface ParseSpec {
  flags: FlagSpec[];
  /** Flags may follow positionals (default). False: the first positional ends the flags. */
  interspersed?: boolean;
}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
  help: boolean;
}

/** A mistake in the command line: printed with a pointer to --help, exit code 1. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], spec: ParseSpec): Parsed {
  const byLong = new Map(spec.flags.map((f) => [f.long, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const flags: FlagValues = {};
  const args: string[] = [];
  let help = false;
  const interspersed = spec.interspersed ?? true;

  const set = (f: FlagSpec, v: string | boolean) => {
    if (f.multiple && typeof v === 'string') {
      const list = (flags[f.long] as string[] | undefined) ?? [];
      list.push(v);
      flags[f.long] = list;
    } else {
      flags[f.long] = v;
    }
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      if (name === 'help' && !byLong.has('help')) {
        help = true;
        continue;
      }
      const f = byLong.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`);
      if (f.value) {
        if (inline !== undefined) set(f, inline);
        else if (i < argv.length) set(f, argv[i++]!);
        else throw new UsageError(`flag needs an argument: --${name}`);
      } else if (inline === undefined || inline === 'true') {
        set(f, true);
      } else if (inline === 'false') {
        flags[f.long] = false;
      } else {
        throw new UsageError(`invalid argument "${inline}" for --${name}: it is a switch (true or false)`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A group of short flags; a flag that takes a value swallows the rest of the group
      // (`-m100m`, `-m=100m`) or else the next argument.
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const f = byShort.get(c);
        if (!f) {
          if (c === 'h') {
            help = true;
            continue;
          }
          throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        }
        if (f.value) {
          let rest = a.slice(j + 1);
          if (rest.startsWith('=')) rest = rest.slice(1);
          if (rest !== '' || a[j + 1] === '=') set(f, rest);
          else if (i < argv.length) set(f, argv[i++]!);
          else throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
          break;
        }
        set(f, true);
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
  }
  return { flags, args, help };
}

// ---- typed access to parsed flags, with errors that name the flag ----

function flagName(spec: FlagSpec[] | undefined, long: string): string {
  const f = spec?.find((x) => x.long === long);
  return f?.short ? `-${f.short}, --${long}` : `--${long}`;
}

export function str(p: Parsed, long: string): string | undefined {
  const v = p.flags[long];
  return Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, long: string): string[] {
  const v = p.flags[long];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function bool(p: Parsed, long: string): boolean {
  return p.flags[long] === true;
}

export function int(p: Parsed, long: string, opts: { min?: number; spec?: FlagSpec[] } = {}): number | undefined {
  const s = str(p, long);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || (opts.min !== undefined && n < opts.min)) {
    const range = opts.min !== undefined ? ` of at least ${opts.min}` : '';
    throw new UsageError(`invalid argument "${s}" for ${flagName(opts.spec, long)}: expected an integer${range}`);
  }
  return n;
}

export function num(p: Parsed, long: string, opts: { min?: number; spec?: FlagSpec[] } = {}): number | undefined {
  const s = str(p, long);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || (opts.min !== undefined && n < opts.min)) {
    const range = opts.min !== undefined ? ` of at least ${opts.min}` : '';
    throw new UsageError(`invalid argument "${s}" for ${flagName(opts.spec, long)}: expected a number${range}`);
  }
  return n;
}

/** `K=V` pairs (labels); a bare `K` means an empty value. */
export function keyValues(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const k = eq === -1 ? v : v.slice(0, eq);
    if (!k) throw new UsageError(`invalid argument "${v}" for ${flag}: expected KEY=VALUE`);
    out[k] = eq === -1 ? '' : v.slice(eq + 1);
  }
  return out;
}
