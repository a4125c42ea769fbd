// boxify.yaml: the seed's project file, read by `boxify run` from the current directory.
//
//   imageName: busybox
//   settings:
//     memoryLimit: 100m     # a size, as `docker run -m`
//     cpuLimit: 512         # CPU weight, cgroup v2 scale 1..10000 (default 100)
//
// Optional keys beyond the seed's: name, command, env, workdir, hostname, network, ports,
// volumes at the top level; cpus and pidsLimit under settings. Every error names the file,
// the line and column, and the key path (`settings.memoryLimit`), and says what is expected.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import type { ContainerCreateRequest, PortBinding } from '../api/types.js';
import { BoxifyError } from '../errors.js';
import { parseSize } from '../size.js';
import { CPU_WEIGHT_MAX, CPU_WEIGHT_MIN, cpuWeightToShares } from './cpu-weight.js';

export const CONFIG_FILE_NAMES = ['boxify.yaml', 'boxify.yml'] as const;

/**
 * The container's command when boxify.yaml has none: PID 1 idles until it is stopped
 * (SIGTERM ends it at once) while the user works in a shell entered into it.
 */
export const IDLE_COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'];

export interface PortMapping {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface BoxifyYaml {
  /** The file it was read from (for messages). */
  file: string;
  imageName: string;
  name?: string;
  /** A string command runs through `sh -c` (like a Dockerfile's shell form); a list runs as is. */
  command?: string[];
  /** `K=V` entries. */
  env?: string[];
  workdir?: string;
  hostname?: string;
  network?: 'bridge' | 'none';
  ports?: PortMapping[];
  /** Docker bind strings `/host:/container[:ro]`, host paths resolved against the file's directory. */
  volumes?: string[];
  settings: {
    /** Bytes. */
    memoryLimit?: number;
    /** CPU weight, 1..10000. */
    cpuLimit?: number;
    /** CPU quota in CPUs, as `docker run --cpus`. */
    cpus?: number;
    pidsLimit?: number;
  };
}

const TOP_KEYS = ['imageName', 'name', 'command', 'env', 'workdir', 'hostname', 'network', 'ports', 'volumes', 'settings'];
const SETTINGS_KEYS = ['memoryLimit', 'cpuLimit', 'cpus', 'pidsLimit'];
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The config file in `dir`: boxify.yaml or boxify.yml, or null when there is none. */
export function findBoxifyYaml(dir: string): string | null {
  const found = CONFIG_FILE_NAMES.map((n) => join(dir, n)).filter((p) => existsSync(p));
  if (found.length > 1) {
    throw new BoxifyError('invalid_argument', `both boxify.yaml and boxify.yml exist in ${dir}: keep one of them`);
  }
  return found[0] ?? null;
}

/** Reads and validates boxify.yaml (or .yml) in `dir`; a not_found error when there is neither. */
export function loadBoxifyYaml(dir: string): BoxifyYaml {
  const file = findBoxifyYaml(dir);
  if (!file) {
    throw new BoxifyError('not_found', `no boxify.yaml or boxify.yml in ${dir}`);
  }
  return readBoxifyYaml(file);
}

export function readBoxifyYaml(file: string): BoxifyYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BoxifyError('invalid_argument', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseBoxifyYaml(text, file);
}

/** Validates the text of a boxify.yaml; `file` is used in messages and to resolve volume paths. */
export function parseBoxifyYaml(text: string, file = 'boxify.yaml'): BoxifyYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const [reason, ...snippet] = e.message.split('\n');
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const short = (reason ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const context = snippet.filter((l) => l.trim() !== '').join('\n');
    throw new BoxifyError('invalid_argument', `${where}: YAML syntax error: ${short}${context ? `\n${context}` : ''}`);
  }
  const v = new Validator(file, lineCounter);
  return v.config(doc.contents as Node | null);
}

/** The create request for a config; the command defaults to IDLE_COMMAND. */
export function toCreateRequest(cfg: BoxifyYaml): ContainerCreateRequest {
  const req: ContainerCreateRequest = {
    Image: cfg.imageName,
    Cmd: cfg.command ?? IDLE_COMMAND,
    HostConfig: {},
  };
  const hc = req.HostConfig!;
  if (cfg.env) req.Env = cfg.env;
  if (cfg.workdir) req.WorkingDir = cfg.workdir;
  if (cfg.hostname) req.Hostname = cfg.hostname;
  if (cfg.settings.memoryLimit !== undefined) hc.Memory = cfg.settings.memoryLimit;
  if (cfg.settings.cpuLimit !== undefined) hc.CpuShares = cpuWeightToShares(cfg.settings.cpuLimit);
  if (cfg.settings.cpus !== undefined) hc.NanoCpus = Math.round(cfg.settings.cpus * 1e9);
  if (cfg.settings.pidsLimit !== undefined) hc.PidsLimit = cfg.settings.pidsLimit;
  if (cfg.network) hc.NetworkMode = cfg.network;
  if (cfg.volumes) hc.Binds = cfg.volumes;
  if (cfg.ports) {
    req.ExposedPorts = {};
    hc.PortBindings = {};
    for (const p of cfg.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      req.ExposedPorts[key] = {};
      if (p.hostPort !== undefined) {
        const b: PortBinding = { HostPort: String(p.hostPort) };
        if (p.hostIp) b.HostIp = p.hostIp;
        (hc.PortBindings[key] ??= []).push(b);
      }
    }
  }
  return req;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The known key nearest to `key`, when it is near enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(key.toLowerCase(), k.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

class Validator {
  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  private where(node: Node | null | undefined): string {
    const offset = node?.range?.[0];
    if (offset === undefined) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  private fail(node: Node | null | undefined, path: string, message: string): BoxifyError {
    return new BoxifyError('invalid_argument', `${this.where(node)}: invalid ${path}: ${message}`, { field: path });
  }

  private kind(node: Node | null | undefined): string {
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return 'nothing';
      if (typeof v === 'string') return `the string "${v}"`;
      return `${typeof v} ${String(v)}`;
    }
    return 'something else';
  }

  /** The pairs of a mapping, with unknown keys refused. */
  private entries(node: Node, path: string, known: readonly string[]): [string, Node | null, Pair][] {
    if (!isMap(node)) throw this.fail(node, path || 'file', `expected a mapping of keys (${known.join(', ')}), got ${this.kind(node)}`);
    const out: [string, Node | null, Pair][] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const full = path ? `${path}.${key}` : key;
      if (!known.includes(key)) {
        const near = nearestKey(key, known);
        const hint = near ? `did you mean "${near}"?` : `known keys${path ? ` under ${path}` : ''}: ${known.join(', ')}`;
        throw new BoxifyError('invalid_argument', `${this.where(keyNode)}: unknown key "${full}": ${hint}`, { field: full });
      }
      const value = pair.value as Node | null;
      out.push([key, isScalar(value) && value.value === null ? null : value, pair]);
    }
    return out;
  }

  private string(node: Node, path: string): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
      if (isScalar(node) && typeof node.value === 'number') return String(node.value);
      throw this.fail(node, path, `expected a non-empty string, got ${this.kind(node)}`);
    }
    return node.value;
  }

  private number(node: Node, path: string, opts: { integer?: boolean; min?: number; max?: number; note?: string }): number {
    const v = isScalar(node) ? node.value : undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    const what = opts.integer ? 'an integer' : 'a number';
    const range = opts.min !== undefined && opts.max !== undefined ? ` from ${opts.min} to ${opts.max}` : opts.min !== undefined ? ` of at least ${opts.min}` : '';
    const note = opts.note ? ` (${opts.note})` : '';
    if (!Number.isFinite(n)) throw this.fail(node, path, `expected ${what}${range}${note}, got ${this.kind(node)}`);
    if (opts.integer && !Number.isInteger(n)) throw this.fail(node, path, `expected ${what}${range}${note}, got ${n}`);
    if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      throw this.fail(node, path, `${n} is out of range: expected ${what}${range}${note}`);
    }
    return n;
  }

  private stringList(node: Node, path: string): { value: string; node: Node }[] {
    if (!isSeq(node)) throw this.fail(node, path, `expected a list, got ${this.kind(node)}`);
    return node.items.map((item, i) => ({ value: this.string(item as Node, `${path}[${i}]`), node: item as Node }));
  }

  config(root: Node | null): BoxifyYaml {
    if (root === null || (isScalar(root) && root.value === null)) {
      throw new BoxifyError('invalid_argument', `${this.file}: the file is empty: add at least "imageName: busybox"`, { field: 'imageName' });
    }
    const cfg: Partial<BoxifyYaml> & { settings: BoxifyYaml['settings'] } = { file: this.file, settings: {} };
    for (const [key, value] of this.entries(root, '', TOP_KEYS)) {
      if (value === null) continue;
      switch (key) {
        case 'imageName':
          cfg.imageName = this.string(value, key);
          break;
        case 'name': {
          const name = this.string(value, key);
          if (!NAME.test(name)) throw this.fail(value, key, `"${name}" is not a valid container name: use letters, digits, _ . - (starting with a letter or digit)`);
          cfg.name = name;
          break;
        }
        case 'command':
          cfg.command = this.command(value);
          break;
        case 'env':
          cfg.env = this.env(value);
          break;
        case 'workdir': {
          const dir = this.string(value, key);
          if (!dir.startsWith('/')) throw this.fail(value, key, `"${dir}" must be an absolute path inside the container (starting with /)`);
          cfg.workdir = dir;
          break;
        }
        case 'hostname':
          cfg.hostname = this.string(value, key);
          break;
        case 'network': {
          const net = this.string(value, key);
          if (net !== 'bridge' && net !== 'none') throw this.fail(value, key, `"${net}" is not a network: use bridge or none`);
          cfg.network = net;
          break;
        }
        case 'ports':
          cfg.ports = this.ports(value);
          break;
        case 'volumes':
          cfg.volumes = this.volumes(value);
          break;
        case 'settings':
          cfg.settings = this.settings(value);
          break;
      }
    }
    if (cfg.imageName === undefined) {
      throw new BoxifyError('invalid_argument', `${this.file}: missing imageName: name the image to run, e.g. "imageName: busybox"`, { field: 'imageName' });
    }
    return cfg as BoxifyYaml;
  }

  private command(node: Node): string[] {
    if (isSeq(node)) {
      const parts = this.stringList(node, 'command').map((x) => x.value);
      if (parts.length === 0) throw this.fail(node, 'command', 'expected a command, got an empty list');
      return parts;
    }
    if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') {
      return ['sh', '-c', node.value];
    }
    throw this.fail(node, 'command', `expected a string (run with sh -c) or a list of arguments, got ${this.kind(node)}`);
  }

  private env(node: Node): string[] {
    const out: string[] = [];
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node;
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        if (!ENV_NAME.test(key)) throw this.fail(keyNode, `env.${key}`, 'an environment variable name is letters, digits and _ (not starting with a digit)');
        const v = pair.value as Node | null;
        if (v === null || (isScalar(v) && v.value === null)) {
          out.push(`${key}=`);
        } else if (isScalar(v) && ['string', 'number', 'boolean'].includes(typeof v.value)) {
          out.push(`${key}=${String(v.value)}`);
        } else {
          throw this.fail(v, `env.${key}`, `expected a string, number or boolean, got ${this.kind(v)}`);
        }
      }
      return out;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const s = this.string(item as Node, `env[${i}]`);
        const name = s.split('=', 1)[0]!;
        if (!s.includes('=') || !ENV_NAME.test(name)) throw this.fail(item as Node, `env[${i}]`, `expected NAME=value, got "${s}"`);
        out.push(s);
      });
      return out;
    }
    throw this.fail(node, 'env', `expected a mapping (NAME: value) or a list of NAME=value, got ${this.kind(node)}`);
  }

  private ports(node: Node): PortMapping[] {
    if (!isSeq(node)) throw this.fail(node, 'ports', `expected a list like ["8080:80"], got ${this.kind(node)}`);
    return node.items.map((item, i) => {
      const path = `ports[${i}]`;
      const s = this.string(item as Node, path);
      const m = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(s);
      const bad = () => this.fail(item as Node, path, `"${s}" is not a port mapping: use CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER, with an optional /tcp or /udp`);
      if (!m) throw bad();
      const port = (x: string) => {
        const n = Number(x);
        if (n < 1 || n > 65535) throw this.fail(item as Node, path, `port ${x} is out of range 1..65535`);
        return n;
      };
      const mapping: PortMapping = { containerPort: port(m[3]!), protocol: (m[4] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
      if (m[2] !== undefined) mapping.hostPort = port(m[2]);
      if (m[1] !== undefined) mapping.hostIp = m[1];
      return mapping;
    });
  }

  private volumes(node: Node): string[] {
    const baseDir = resolve(this.file, '..');
    return this.stringList(node, 'volumes').map(({ value, node: item }, i) => {
      const parts = value.split(':');
      const path = `volumes[${i}]`;
      if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
        throw this.fail(item, path, `"${value}" is not a volume: use HOST_PATH:CONTAINER_PATH with an optional :ro`);
      }
      const [host, target, mode] = parts as [string, string, string | undefined];
      if (!target.startsWith('/')) throw this.fail(item, path, `container path "${target}" must be absolute (starting with /)`);
      if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw this.fail(item, path, `mode "${mode}" is not ro or rw`);
      if (!isAbsolute(host) && !host.startsWith('.')) {
        throw this.fail(item, path, `host path "${host}" must be absolute or start with ./ (named volumes are not supported here)`);
      }
      return [resolve(baseDir, host), target, ...(mode ? [mode] : [])].join(':');
    });
  }

  private settings(node: Node): BoxifyYaml['settings'] {
    const s: BoxifyYaml['settings'] = {};
    for (const [key, value] of this.entries(node, 'settings', SETTINGS_KEYS)) {
      if (value === null) continue;
      const path = `settings.${key}`;
      switch (key) {
        case 'memoryLimit': {
          const raw = isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number') ? value.value : undefined;
          if (raw === undefined) throw this.fail(value, path, `expected a size like 100m or 1g, got ${this.kind(value)}`);
          try {
            s.memoryLimit = parseSize(raw, path);
          } catch (err) {
            if (err instanceof BoxifyError) throw new BoxifyError(err.code, `${this.where(value)}: ${err.message}`, { field: path });
            throw err;
          }
          if (s.memoryLimit < 6 * 1024 * 1024) throw this.fail(value, path, `${raw} is below the minimum of 6m a container needs`);
          break;
        }
        case 'cpuLimit':
          s.cpuLimit = this.number(value, path, {
            integer: true,
            min: CPU_WEIGHT_MIN,
            max: CPU_WEIGHT_MAX,
            note: 'a CPU weight on the cgroup v2 cpu.weight scale, where 100 is the default share',
          });
          break;
        case 'cpus':
          s.cpus = this.number(value, path, { min: 0.01, note: 'CPUs the container may use, e.g. 0.5 or 2, as docker run --cpus' });
          break;
        case 'pidsLimit':
          s.pidsLimit = this.number(value, path, { integer: true, min: 1, note: 'the most processes the container may have' });
          break;
      }
    }
    return s;
  }
}
