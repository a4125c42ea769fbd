// Seccomp: Docker's JSON profile format, a classic-BPF compiler for it, and the install call.
//
// The compiled program (struct sock_filter[], 8 bytes each, little-endian) is:
//
//   ld arch; jeq AUDIT_ARCH_X86_64 ? skip : next; ret KILL_PROCESS  (foreign ABI, e.g. int 0x80)
//   ld nr;   jge 0x40000000 ? next : skip;        ret ERRNO(EPERM)  (the x32 ABI)
//   binary search over the syscall numbers that have rules (jge on the middle number), down
//   to leaves of a few `jeq nr` tests, each leading to that syscall's body:
//       for each rule with argument conditions, in profile order: the conditions (64-bit
//       compares done as high word then low word), all true -> ret the rule's action
//       then ret the action of the first rule without conditions, or the default action
//   ret default action                                          (syscalls with no rule)
//
// Rule semantics: a rule applies only if every capability in includes.caps is kept and
// none in excludes.caps is (as moby resolves them); the conditions of one rule are ANDed;
// several rules for one syscall are ORed, conditional rules before the unconditional one.
// Syscall names this architecture does not have are ignored (profiles list every arch's).
//
// BPF conditional jumps reach at most 255 instructions ahead. The assembler works with
// labels and, where a target is too far, inserts an unconditional `ja` (32-bit offset)
// right after the jump as a trampoline, repeating until every offset fits.

import { release } from 'node:os';
import { BoxifyError } from '../errors.js';
import { normalizeCapability } from './capabilities.js';
import { NR, addressOf, sys } from './native.js';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.js';

// ---- profile types (Docker's format, moby profiles/seccomp/seccomp.go) ----

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_LOG',
] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];

export const SECCOMP_OPS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type SeccompOp = (typeof SECCOMP_OPS)[number];

export interface SeccompArg {
  /** Argument number, 0-5. */
  index: number;
  value: number;
  /** For SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo. */
  valueTwo?: number;
  op: SeccompOp;
}

export interface SeccompFilterCondition {
  caps?: string[];
  arches?: string[];
  /** "major.minor": the rule applies only on this kernel or newer. */
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  /** errno for SCMP_ACT_ERRNO (default EPERM), or the value for SCMP_ACT_TRACE. */
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilterCondition;
  excludes?: Omit<SeccompFilterCondition, 'minKernel'>;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls: SeccompRule[];
}

// ---- kernel constants ----

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const X32_SYSCALL_BIT = 0x40000000;
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const SECCOMP_RET_DATA = 0x0000ffff;
const EPERM = 1;
/** Most instructions the kernel accepts in one filter (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

// classic BPF opcodes (include/uapi/linux/filter.h, bpf_common.h)
export const BPF = {
  LD_W_ABS: 0x20, // A = u32 at seccomp_data + k
  ALU_AND_K: 0x54, // A &= k
  JA: 0x05, // pc += k
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  RET_K: 0x06,
} as const;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLo = (i: number) => 16 + 8 * i;
const argHi = (i: number) => 20 + 8 * i;

// ---- parsing ----

const OUR_ARCHES = new Set(['amd64', 'x86_64', 'scmp_arch_x86_64']);

function profileError(path: string, message: string): BoxifyError {
  return new BoxifyError('invalid_argument', `invalid SecurityOpt: seccomp profile: ${path}: ${message}`, {
    field: 'SecurityOpt',
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw profileError(path, 'must be a list of strings');
  return v as string[];
}

function action(v: unknown, path: string): SeccompAction {
  if (v === 'SCMP_ACT_NOTIFY') throw profileError(path, 'SCMP_ACT_NOTIFY (a seccomp agent) is not supported');
  if (typeof v !== 'string' || !(SECCOMP_ACTIONS as readonly string[]).includes(v)) {
    throw profileError(path, `unknown action ${JSON.stringify(v)}: use one of ${SECCOMP_ACTIONS.join(', ')}`);
  }
  return v as SeccompAction;
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw profileError(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function capList(v: unknown, path: string): string[] {
  return stringList(v, path).map((c, i) => {
    const name = normalizeCapability(c);
    if (!name || name === 'ALL') throw profileError(`${path}[${i}]`, `unknown capability ${JSON.stringify(c)}`);
    return name;
  });
}

function condition(v: unknown, path: string, allowMinKernel: boolean): SeccompFilterCondition | undefined {
  if (v == null) return undefined;
  if (!isObject(v)) throw profileError(path, 'must be an object like {"caps": ["CAP_SYS_ADMIN"]}');
  const out: SeccompFilterCondition = {};
  if (v.caps != null) out.caps = capList(v.caps, `${path}.caps`);
  if (v.arches != null) out.arches = stringList(v.arches, `${path}.arches`);
  if (v.minKernel != null && v.minKernel !== '') {
    if (!allowMinKernel) throw profileError(`${path}.minKernel`, 'is only allowed in includes');
    if (typeof v.minKernel !== 'string' || !/^\d+\.\d+/.test(v.minKernel)) {
      throw profileError(`${path}.minKernel`, `must be a kernel version like "4.8", got ${JSON.stringify(v.minKernel)}`);
    }
    out.minKernel = v.minKernel;
  }
  return out;
}

const MAX_U64_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Validates a Docker seccomp profile (the JSON text `docker run --security-opt seccomp=FILE`
 * sends, or the parsed object). Every error names the path inside the profile.
 */
export function parseDockerProfile(input: string | unknown): SeccompProfile {
  let v: unknown = input;
  if (typeof input === 'string') {
    try {
      v = JSON.parse(input);
    } catch (err) {
      throw profileError('(text)', `not valid JSON (${(err as Error).message}): pass the content of a Docker seccomp profile file`);
    }
  }
  if (!isObject(v)) throw profileError('(top level)', 'must be a JSON object with defaultAction and syscalls');
  if (v.defaultAction === undefined) throw profileError('defaultAction', 'is required, e.g. "SCMP_ACT_ERRNO"');
  const profile: SeccompProfile = { defaultAction: action(v.defaultAction, 'defaultAction'), syscalls: [] };
  if (v.defaultErrnoRet != null) profile.defaultErrnoRet = integer(v.defaultErrnoRet, 'defaultErrnoRet', 0, 4095);
  if (v.architectures != null) profile.architectures = stringList(v.architectures, 'architectures');
  if (v.listenerPath) throw profileError('listenerPath', 'seccomp agents (SCMP_ACT_NOTIFY) are not supported');
  if (v.syscalls != null) {
    if (!Array.isArray(v.syscalls)) throw profileError('syscalls', 'must be a list of rules');
    v.syscalls.forEach((r: unknown, i: number) => {
      const path = `syscalls[${i}]`;
      if (!isObject(r)) throw profileError(path, 'must be an object like {"names": ["read"], "action": "SCMP_ACT_ALLOW"}');
      let names: string[];
      if (r.names != null) names = stringList(r.names, `${path}.names`);
      else if (typeof r.name === 'string') names = [r.name]; // the pre-1.13 format
      else throw profileError(`${path}.names`, 'is required: a list of syscall names');
      if (names.length === 0) throw profileError(`${path}.names`, 'must not be empty');
      const rule: SeccompRule = { names, action: action(r.action, `${path}.action`) };
      if (r.errnoRet != null) rule.errnoRet = integer(r.errnoRet, `${path}.errnoRet`, 0, 65535);
      if (r.args != null) {
        if (!Array.isArray(r.args)) throw profileError(`${path}.args`, 'must be a list of {index, value, op}');
        rule.args = r.args.map((a: unknown, j: number) => {
          const ap = `${path}.args[${j}]`;
          if (!isObject(a)) throw profileError(ap, 'must be an object {index, value, valueTwo, op}');
          if (typeof a.op !== 'string' || !(SECCOMP_OPS as readonly string[]).includes(a.op)) {
            throw profileError(`${ap}.op`, `unknown operator ${JSON.stringify(a.op)}: use one of ${SECCOMP_OPS.join(', ')}`);
          }
          const arg: SeccompArg = {
            index: integer(a.index, `${ap}.index`, 0, 5),
            value: integer(a.value ?? 0, `${ap}.value`, 0, MAX_U64_SAFE),
            op: a.op as SeccompOp,
          };
          if (a.valueTwo != null) arg.valueTwo = integer(a.valueTwo, `${ap}.valueTwo`, 0, MAX_U64_SAFE);
          return arg;
        });
      }
      const inc = condition(r.includes, `${path}.includes`, true);
      if (inc) rule.includes = inc;
      const exc = condition(r.excludes, `${path}.excludes`, false);
      if (exc) rule.excludes = exc;
      if (typeof r.comment === 'string') rule.comment = r.comment;
      profile.syscalls.push(rule);
    });
  }
  return profile;
}

// ---- rule resolution ----

function actionValue(a: SeccompAction, errnoRet: number | undefined): number {
  switch (a) {
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET.ALLOW;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET.ERRNO | ((errnoRet ?? EPERM) & SECCOMP_RET_DATA)) >>> 0;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET.TRAP;
    case 'SCMP_ACT_TRACE':
      return (SECCOMP_RET.TRACE | ((errnoRet ?? 0) & SECCOMP_RET_DATA)) >>> 0;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET.LOG;
  }
}

function kernelAtLeast(running: string, min: string): boolean {
  const parse = (s: string) => (/^(\d+)\.(\d+)/.exec(s) ?? ['', '0', '0']).slice(1).map(Number) as [number, number];
  const [a, b] = parse(running);
  const [c, d] = parse(min);
  return a > c || (a === c && b >= d);
}

export interface CompileOptions {
  /** Capabilities the process keeps ("CAP_*"): selects rules by includes/excludes.caps. */
  caps: readonly string[];
  /** Kernel release for includes.minKernel; default: the running kernel. */
  kernelVersion?: string;
}

interface ResolvedRule {
  action: number;
  args: SeccompArg[];
}

/** For each syscall number: its applicable rules, conditional ones first, at most one unconditional. */
export function resolveRules(profile: SeccompProfile, opts: CompileOptions): Map<number, ResolvedRule[]> {
  const caps = new Set(opts.caps.map((c) => normalizeCapability(c) ?? c));
  const kernel = opts.kernelVersion ?? release();
  const bySyscall = new Map<number, { conditional: ResolvedRule[]; plain?: ResolvedRule }>();
  for (const rule of profile.syscalls) {
    const inc = rule.includes;
    const exc = rule.excludes;
    if (inc?.caps?.some((c) => !caps.has(c))) continue;
    if (exc?.caps?.some((c) => caps.has(c))) continue;
    if (inc?.arches && inc.arches.length > 0 && !inc.arches.some((a) => OUR_ARCHES.has(a.toLowerCase()))) continue;
    if (exc?.arches?.some((a) => OUR_ARCHES.has(a.toLowerCase()))) continue;
    if (inc?.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    const resolved: ResolvedRule = { action: actionValue(rule.action, rule.errnoRet ?? profile.defaultErrnoRet), args: rule.args ?? [] };
    for (const name of rule.names) {
      const nr = SYSCALLS_X86_64[name];
      if (nr === undefined) continue;
      let entry = bySyscall.get(nr);
      if (!entry) bySyscall.set(nr, (entry = { conditional: [] }));
      if (resolved.args.length > 0) entry.conditional.push(resolved);
      else entry.plain ??= resolved;
    }
  }
  const out = new Map<number, ResolvedRule[]>();
  for (const [nr, e] of [...bySyscall].sort((a, b) => a[0] - b[0])) out.set(nr, e.plain ? [...e.conditional, e.plain] : e.conditional);
  return out;
}

// ---- assembler ----

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

type Item =
  | { kind: 'label'; id: number }
  | { kind: 'op'; code: number; k: number } // ld, alu, ret: no jump
  | { kind: 'jmp'; code: number; k: number; jt: number; jf: number } // conditional, targets are labels
  | { kind: 'ja'; target: number };

class Assembler {
  private items: Item[] = [];
  private nextLabel = 0;

  label(): number {
    return this.nextLabel++;
  }
  place(id: number): void {
    this.items.push({ kind: 'label', id });
  }
  op(code: number, k: number): void {
    this.items.push({ kind: 'op', code, k: k >>> 0 });
  }
  ret(k: number): void {
    this.op(BPF.RET_K, k);
  }
  /** Conditional jump; a target of `undefined` means the next instruction. */
  jmp(code: number, k: number, jt: number | undefined, jf: number | undefined): void {
    let next: number | undefined;
    const t = jt ?? (next = this.label());
    const f = jf ?? next ?? (next = this.label());
    this.items.push({ kind: 'jmp', code, k: k >>> 0, jt: t, jf: f });
    if (next !== undefined) this.place(next);
  }

  assemble(): SockFilter[] {
    for (;;) {
      const pos = new Map<number, number>();
      let pc = 0;
      for (const it of this.items) {
        if (it.kind === 'label') pos.set(it.id, pc);
        else pc++;
      }
      const out: SockFilter[] = [];
      let widened = false;
      pc = 0;
      for (let i = 0; i < this.items.length; i++) {
        const it = this.items[i]!;
        if (it.kind === 'label') continue;
        if (it.kind === 'op') out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
        else if (it.kind === 'ja') out.push({ code: BPF.JA, jt: 0, jf: 0, k: offset(pos, it.target, pc) });
        else {
          const jt = offset(pos, it.jt, pc);
          const jf = offset(pos, it.jf, pc);
          if (jt > 255 || jf > 255) {
            // Too far for 8 bits: jump to `ja` trampolines placed right after this jump.
            const extra: Item[] = [];
            for (const side of ['jt', 'jf'] as const) {
              if (offset(pos, it[side], pc) <= 255) continue;
              const tramp = this.label();
              extra.push({ kind: 'label', id: tramp }, { kind: 'ja', target: it[side] });
              it[side] = tramp;
            }
            this.items.splice(i + 1, 0, ...extra);
            widened = true;
            break;
          }
          out.push({ code: it.code, jt, jf, k: it.k });
        }
        pc++;
      }
      if (!widened) return out;
    }
  }
}

function offset(pos: Map<number, number>, label: number, pc: number): number {
  const at = pos.get(label);
  if (at === undefined) throw new Error(`BPF assembler: label ${label} never placed`);
  const off = at - (pc + 1);
  if (off < 0) throw new Error(`BPF assembler: backward jump to label ${label}`);
  return off;
}

// ---- code generation ----

const hi32 = (v: number) => Number(BigInt(v) >> 32n) >>> 0;
const lo32 = (v: number) => Number(BigInt(v) & 0xffffffffn) >>> 0;

/** Emits the test of one argument condition: falls through when true, jumps to `fail` when false. */
function emitCondition(a: Assembler, c: SeccompArg, fail: number): void {
  const pass = a.label();
  const vhi = hi32(c.value);
  const vlo = lo32(c.value);
  const ldHi = () => a.op(BPF.LD_W_ABS, argHi(c.index));
  const ldLo = () => a.op(BPF.LD_W_ABS, argLo(c.index));
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      ldHi();
      a.jmp(BPF.JEQ_K, vhi, undefined, fail);
      ldLo();
      a.jmp(BPF.JEQ_K, vlo, pass, fail);
      break;
    case 'SCMP_CMP_NE': {
      const checkLo = a.label();
      ldHi();
      a.jmp(BPF.JEQ_K, vhi, checkLo, pass);
      a.place(checkLo);
      ldLo();
      a.jmp(BPF.JEQ_K, vlo, fail, pass);
      break;
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const want = c.valueTwo ?? 0;
      const mhi = hi32(c.value);
      const whi = hi32(want);
      if (mhi !== 0 || whi !== 0) {
        ldHi();
        a.op(BPF.ALU_AND_K, mhi);
        a.jmp(BPF.JEQ_K, whi, undefined, fail);
      }
      ldLo();
      a.op(BPF.ALU_AND_K, lo32(c.value));
      a.jmp(BPF.JEQ_K, lo32(want), pass, fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      // high word decides unless equal; then the low word (unsigned compares)
      const hiEqual = a.label();
      ldHi();
      a.jmp(BPF.JGT_K, vhi, pass, undefined);
      a.jmp(BPF.JEQ_K, vhi, hiEqual, fail);
      a.place(hiEqual);
      ldLo();
      a.jmp(c.op === 'SCMP_CMP_GT' ? BPF.JGT_K : BPF.JGE_K, vlo, pass, fail);
      break;
    }
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // x < v  <=>  !(x >= v);  x <= v  <=>  !(x > v)
      const hiEqual = a.label();
      ldHi();
      a.jmp(BPF.JGT_K, vhi, fail, undefined);
      a.jmp(BPF.JEQ_K, vhi, hiEqual, pass);
      a.place(hiEqual);
      ldLo();
      a.jmp(c.op === 'SCMP_CMP_LT' ? BPF.JGE_K : BPF.JGT_K, vlo, fail, pass);
      break;
    }
  }
  a.place(pass);
}

function emitBody(a: Assembler, rules: ResolvedRule[], defaultRet: number): void {
  for (const rule of rules) {
    if (rule.args.length === 0) {
      a.ret(rule.action); // the unconditional rule is last: nothing after it is reachable
      return;
    }
    const fail = a.label();
    for (const c of rule.args) emitCondition(a, c, fail);
    a.ret(rule.action);
    a.place(fail);
  }
  a.ret(defaultRet);
}

const LEAF_SIZE = 4;

function emitTree(a: Assembler, entries: [number, ResolvedRule[]][], defaultRet: number): void {
  if (entries.length <= LEAF_SIZE) {
    // The accumulator holds nr on every path into a leaf (bodies never fall through).
    const bodies = entries.map(() => a.label());
    entries.forEach(([nr], i) => a.jmp(BPF.JEQ_K, nr, bodies[i], undefined));
    a.ret(defaultRet);
    entries.forEach(([, rules], i) => {
      a.place(bodies[i]!);
      emitBody(a, rules, defaultRet);
    });
    return;
  }
  const half = entries.length >> 1;
  const right = a.label();
  a.jmp(BPF.JGE_K, entries[half]![0], right, undefined);
  emitTree(a, entries.slice(0, half), defaultRet);
  a.place(right);
  emitTree(a, entries.slice(half), defaultRet);
}

/** Compiles a profile to a seccomp BPF program: struct sock_filter[] as bytes. */
export function compileSeccomp(profile: SeccompProfile, opts: CompileOptions): Buffer {
  const defaultRet = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const rules = resolveRules(profile, opts);
  const a = new Assembler();
  const archOk = a.label();
  const native = a.label();

  a.op(BPF.LD_W_ABS, OFF_ARCH);
  a.jmp(BPF.JEQ_K, AUDIT_ARCH_X86_64, archOk, undefined);
  a.ret(SECCOMP_RET.KILL_PROCESS);
  a.place(archOk);
  a.op(BPF.LD_W_ABS, OFF_NR);
  a.jmp(BPF.JGE_K, X32_SYSCALL_BIT, undefined, native);
  a.ret(actionValue('SCMP_ACT_ERRNO', EPERM));
  a.place(native);
  emitTree(a, [...rules], defaultRet);

  const program = a.assemble();
  if (program.length > BPF_MAXINSNS) {
    throw new BoxifyError(
      'invalid_argument',
      `invalid SecurityOpt: seccomp profile compiles to ${program.length} BPF instructions, more than the kernel's ${BPF_MAXINSNS}: use fewer argument rules`,
      { field: 'SecurityOpt' },
    );
  }
  return encodeFilter(program);
}

export function encodeFilter(program: readonly SockFilter[]): Buffer {
  const buf = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    buf.writeUInt16LE(ins.code, i * 8);
    buf.writeUInt8(ins.jt, i * 8 + 2);
    buf.writeUInt8(ins.jf, i * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buf;
}

export function decodeFilter(buf: Buffer): SockFilter[] {
  if (buf.length % 8 !== 0) throw new Error(`a BPF program is a multiple of 8 bytes, got ${buf.length}`);
  const out: SockFilter[] = [];
  for (let i = 0; i < buf.length; i += 8) {
    out.push({ code: buf.readUInt16LE(i), jt: buf.readUInt8(i + 2), jf: buf.readUInt8(i + 3), k: buf.readUInt32LE(i + 4) });
  }
  return out;
}

// ---- install ----

const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;

/**
 * Installs a compiled filter on the calling process with seccomp(2). The caller needs
 * no_new_privs or CAP_SYS_ADMIN. TSYNC puts every thread of this Node process under the
 * same filter (none has another one, so it cannot conflict); execve keeps only the calling
 * thread anyway, but the filter then also covers Node's helper threads in the short time
 * before execve. The filter must allow everything the process does afterwards, execve
 * included.
 */
export function installSeccomp(filter: Buffer, opts: { tsync?: boolean } = {}): void {
  if (filter.length === 0 || filter.length % 8 !== 0 || filter.length / 8 > BPF_MAXINSNS) {
    throw new BoxifyError('internal', `seccomp: a filter is 1 to ${BPF_MAXINSNS} instructions of 8 bytes, got ${filter.length} bytes`);
  }
  const insns = Buffer.alloc(filter.length);
  filter.copy(insns);
  // struct sock_fprog { unsigned short len; /* 6 bytes padding */ struct sock_filter *filter; }
  const prog = Buffer.alloc(16);
  prog.writeUInt16LE(filter.length / 8, 0);
  prog.writeBigUInt64LE(addressOf(insns), 8);
  const flags = opts.tsync === false ? 0 : SECCOMP_FILTER_FLAG_TSYNC;
  const r = sys('seccomp', 'seccomp(SECCOMP_SET_MODE_FILTER)', NR.seccomp!, 'unsigned int', SECCOMP_SET_MODE_FILTER, 'unsigned int', flags, 'void *', prog);
  // With TSYNC, a positive result is the id of a thread that could not be synchronised.
  if (r > 0) throw new BoxifyError('internal', `seccomp: thread ${r} of this process has a different filter, so TSYNC failed`);
  // `insns` must stay alive until the kernel has copied it, which happens during the call.
  void insns;
}
