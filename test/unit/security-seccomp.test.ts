import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import { ALL_CAPABILITIES, DOCKER_DEFAULT_CAPS } from '../../src/core/security/capabilities.js';
import { CLONE_NAMESPACE_FLAGS, DEFAULT_PROFILE } from '../../src/core/security/default-profile.js';
import {
  AUDIT_ARCH_X86_64,
  BPF,
  BPF_MAXINSNS,
  SECCOMP_RET,
  compileSeccomp,
  decodeFilter,
  parseDockerProfile,
  type SeccompArg,
  type SeccompProfile,
  type SockFilter,
} from '../../src/core/security/seccomp.js';
import { SYSCALLS_X86_64 } from '../../src/core/security/syscalls-x86_64.js';

// ---- a tiny classic-BPF interpreter, enough for seccomp programs ----

const AUDIT_ARCH_I386 = 0x40000003;
const ALLOW = SECCOMP_RET.ALLOW;
const EPERM = (SECCOMP_RET.ERRNO | 1) >>> 0;
const ENOSYS = (SECCOMP_RET.ERRNO | 38) >>> 0;
const KILL_PROCESS = SECCOMP_RET.KILL_PROCESS;

interface Call {
  nr: number;
  arch?: number;
  args?: (number | bigint)[];
}

function run(prog: SockFilter[], call: Call): number {
  const data = Buffer.alloc(64); // struct seccomp_data
  data.writeUInt32LE(call.nr >>> 0, 0);
  data.writeUInt32LE((call.arch ?? AUDIT_ARCH_X86_64) >>> 0, 4);
  data.writeBigUInt64LE(0x401000n, 8);
  (call.args ?? []).forEach((a, i) => data.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 16 + 8 * i));
  let A = 0;
  let pc = 0;
  for (;;) {
    const ins = prog[pc];
    if (!ins) throw new Error(`fell off the end of the program at ${pc}`);
    switch (ins.code) {
      case BPF.LD_W_ABS:
        if (ins.k % 4 !== 0 || ins.k + 4 > 64) throw new Error(`bad load offset ${ins.k}`);
        A = data.readUInt32LE(ins.k);
        pc++;
        break;
      case BPF.ALU_AND_K:
        A = (A & ins.k) >>> 0;
        pc++;
        break;
      case BPF.JA:
        pc += 1 + ins.k;
        break;
      case BPF.JEQ_K:
        pc += 1 + (A === ins.k ? ins.jt : ins.jf);
        break;
      case BPF.JGT_K:
        pc += 1 + (A > ins.k ? ins.jt : ins.jf);
        break;
      case BPF.JGE_K:
        pc += 1 + (A >= ins.k ? ins.jt : ins.jf);
        break;
      case BPF.RET_K:
        return ins.k >>> 0;
      default:
        throw new Error(`unexpected opcode 0x${ins.code.toString(16)} at ${pc}`);
    }
  }
}

// ---- an independent reference for what a profile means ----

function argMatches(c: SeccompArg, v: bigint): boolean {
  const x = BigInt.asUintN(64, v);
  const val = BigInt(c.value);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      return x === val;
    case 'SCMP_CMP_NE':
      return x !== val;
    case 'SCMP_CMP_LT':
      return x < val;
    case 'SCMP_CMP_LE':
      return x <= val;
    case 'SCMP_CMP_GT':
      return x > val;
    case 'SCMP_CMP_GE':
      return x >= val;
    case 'SCMP_CMP_MASKED_EQ':
      return (x & val) === BigInt(c.valueTwo ?? 0);
  }
}

function retOf(action: string, errnoRet: number | undefined): number {
  const table: Record<string, number> = {
    SCMP_ACT_ALLOW: ALLOW,
    SCMP_ACT_ERRNO: (SECCOMP_RET.ERRNO | (errnoRet ?? 1)) >>> 0,
    SCMP_ACT_KILL: SECCOMP_RET.KILL_THREAD,
    SCMP_ACT_KILL_PROCESS: KILL_PROCESS,
    SCMP_ACT_LOG: SECCOMP_RET.LOG,
    SCMP_ACT_TRAP: SECCOMP_RET.TRAP,
  };
  return table[action]!;
}

function expected(profile: SeccompProfile, caps: readonly string[], call: Call): number {
  if ((call.arch ?? AUDIT_ARCH_X86_64) !== AUDIT_ARCH_X86_64) return KILL_PROCESS;
  if (call.nr >= 0x40000000) return EPERM;
  const args = (call.args ?? []).map((a) => BigInt(a));
  let plain: number | undefined;
  for (const r of profile.syscalls) {
    if (!r.names.some((n) => SYSCALLS_X86_64[n] === call.nr)) continue;
    if (r.includes?.caps?.some((c) => !caps.includes(c))) continue;
    if (r.excludes?.caps?.some((c) => caps.includes(c))) continue;
    const ret = retOf(r.action, r.errnoRet ?? profile.defaultErrnoRet);
    if (!r.args?.length) {
      plain ??= ret;
      continue;
    }
    if (r.args.every((c) => argMatches(c, args[c.index] ?? 0n))) return ret;
  }
  return plain ?? retOf(profile.defaultAction, profile.defaultErrnoRet);
}

const nr = (name: string) => SYSCALLS_X86_64[name]!;
const program = (profile: SeccompProfile, caps: readonly string[]) => decodeFilter(compileSeccomp(profile, { caps }));
const defaults = program(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPS);
const withAdmin = program(DEFAULT_PROFILE, [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN']);

const CLONE_NEWUSER = 0x10000000;
const CLONE_THREAD_FLAGS = 0x3d0f00; // what glibc's pthread_create passes
const SIGCHLD = 17;

// ---- structure ----

test('the program checks the architecture first and kills a foreign one', (t) => {
  t.deepEqual(defaults[0], { code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 4 });
  t.deepEqual(defaults[1], { code: BPF.JEQ_K, jt: 1, jf: 0, k: AUDIT_ARCH_X86_64 });
  t.deepEqual(defaults[2], { code: BPF.RET_K, jt: 0, jf: 0, k: KILL_PROCESS });
  t.is(run(defaults, { nr: nr('read'), arch: AUDIT_ARCH_I386 }), KILL_PROCESS);
  t.is(run(defaults, { nr: 0, arch: 0 }), KILL_PROCESS);
});

test('then it loads the number and rejects the x32 ABI with EPERM', (t) => {
  t.deepEqual(defaults[3], { code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 0 });
  t.deepEqual(defaults[4], { code: BPF.JGE_K, jt: 0, jf: 1, k: 0x40000000 });
  t.deepEqual(defaults[5], { code: BPF.RET_K, jt: 0, jf: 0, k: EPERM });
  t.is(run(defaults, { nr: 0x40000000 | nr('read') }), EPERM);
  t.is(run(defaults, { nr: 0x40000000 | 520 /* x32 execve */ }), EPERM);
  t.is(run(defaults, { nr: 0xffffffff }), EPERM);
});

test('every jump lands inside the program, the last instruction returns, and it fits the kernel limit', (t) => {
  for (const prog of [defaults, withAdmin]) {
    t.true(prog.length <= BPF_MAXINSNS);
    t.is(prog.at(-1)!.code, BPF.RET_K);
    prog.forEach((ins, pc) => {
      if (ins.code === BPF.JA) t.true(pc + 1 + ins.k < prog.length, `ja at ${pc}`);
      if (ins.code === BPF.JEQ_K || ins.code === BPF.JGT_K || ins.code === BPF.JGE_K) {
        t.true(pc + 1 + Math.max(ins.jt, ins.jf) < prog.length, `jump at ${pc}`);
      }
    });
  }
});

test('a syscall without a rule gets the default action (EPERM)', (t) => {
  for (const name of ['kexec_load', 'init_module', 'io_uring_setup', 'userfaultfd', 'keyctl']) {
    t.is(run(defaults, { nr: nr(name) }), EPERM, name);
  }
  t.is(run(defaults, { nr: 999 }), EPERM);
  t.is(run(defaults, { nr: 0x3fffffff }), EPERM);
});

// ---- verdicts of the default profile ----

test('the common syscalls are allowed', (t) => {
  for (const name of ['read', 'write', 'openat', 'close', 'mmap', 'futex', 'epoll_wait', 'execve', 'exit_group', 'rt_sigreturn', 'fork', 'vfork', 'wait4']) {
    t.is(run(defaults, { nr: nr(name) }), ALLOW, name);
  }
});

test('mount and friends need CAP_SYS_ADMIN', (t) => {
  for (const name of ['mount', 'umount2', 'pivot_root', 'unshare', 'setns', 'keyctl', 'bpf', 'swapon']) {
    t.is(run(defaults, { nr: nr(name) }), EPERM, `${name} without CAP_SYS_ADMIN`);
    t.is(run(withAdmin, { nr: nr(name) }), ALLOW, `${name} with CAP_SYS_ADMIN`);
  }
});

test('other privileged syscalls need their own capability', (t) => {
  const cases: [string, string][] = [
    ['reboot', 'CAP_SYS_BOOT'],
    ['init_module', 'CAP_SYS_MODULE'],
    ['finit_module', 'CAP_SYS_MODULE'],
    ['settimeofday', 'CAP_SYS_TIME'],
    ['clock_settime', 'CAP_SYS_TIME'],
    ['ptrace', 'CAP_SYS_PTRACE'],
    ['open_by_handle_at', 'CAP_DAC_READ_SEARCH'],
  ];
  for (const [name, cap] of cases) {
    t.is(run(defaults, { nr: nr(name) }), EPERM, name);
    t.is(run(program(DEFAULT_PROFILE, [...DOCKER_DEFAULT_CAPS, cap]), { nr: nr(name) }), ALLOW, `${name} with ${cap}`);
  }
  // chroot needs CAP_SYS_CHROOT, which Docker keeps by default
  t.is(run(defaults, { nr: nr('chroot') }), ALLOW);
  t.is(run(program(DEFAULT_PROFILE, []), { nr: nr('chroot') }), EPERM);
});

test('clone: threads and fork yes, new namespaces only with CAP_SYS_ADMIN', (t) => {
  t.is(run(defaults, { nr: nr('clone'), args: [CLONE_THREAD_FLAGS] }), ALLOW);
  t.is(run(defaults, { nr: nr('clone'), args: [SIGCHLD] }), ALLOW);
  t.is(run(defaults, { nr: nr('clone'), args: [CLONE_NEWUSER | SIGCHLD] }), EPERM);
  t.is(run(defaults, { nr: nr('clone'), args: [0x20000 /* CLONE_NEWNS */] }), EPERM);
  t.is(run(defaults, { nr: nr('clone'), args: [CLONE_NAMESPACE_FLAGS] }), EPERM);
  t.is(run(withAdmin, { nr: nr('clone'), args: [CLONE_NEWUSER | SIGCHLD] }), ALLOW);
});

test('clone3 answers ENOSYS (so glibc falls back to clone) unless CAP_SYS_ADMIN', (t) => {
  t.is(run(defaults, { nr: nr('clone3') }), ENOSYS);
  t.is(run(withAdmin, { nr: nr('clone3') }), ALLOW);
});

test('personality: only the values Docker allows', (t) => {
  for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) t.is(run(defaults, { nr: nr('personality'), args: [v] }), ALLOW, `0x${v.toString(16)}`);
  for (const v of [0x40000 /* ADDR_NO_RANDOMIZE */, 1, 0x1_0000_0000]) t.is(run(defaults, { nr: nr('personality'), args: [v] }), EPERM, `0x${v.toString(16)}`);
});

test('socket: every family but AF_VSOCK, compared on all 64 bits', (t) => {
  t.is(run(defaults, { nr: nr('socket'), args: [2] }), ALLOW);
  t.is(run(defaults, { nr: nr('socket'), args: [40] }), EPERM);
  t.is(run(defaults, { nr: nr('socket'), args: [40n + (1n << 32n)] }), ALLOW);
});

test('every syscall number gets the verdict the profile means, with default and with all capabilities', (t) => {
  const all = program(DEFAULT_PROFILE, ALL_CAPABILITIES);
  const samples: bigint[][] = [[0n], [BigInt(CLONE_NEWUSER)], [40n], [8n], [0xffffffffn], [1n << 40n]];
  for (const num of [...Object.values(SYSCALLS_X86_64), 500, 1000]) {
    for (const args of samples) {
      t.is(run(defaults, { nr: num, args }), expected(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPS, { nr: num, args }), `nr ${num} ${args}`);
      t.is(run(all, { nr: num, args }), expected(DEFAULT_PROFILE, ALL_CAPABILITIES, { nr: num, args }), `all caps, nr ${num}`);
    }
  }
});

// ---- the compiler on custom profiles ----

test('64-bit comparisons are right on both words, for every operator', (t) => {
  const value = 0x1_0000_0005;
  const ops = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'] as const;
  const probes = [0n, 5n, 4n, 6n, 0x1_0000_0004n, 0x1_0000_0005n, 0x1_0000_0006n, 0x2_0000_0000n, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn];
  for (const op of ops) {
    const profile: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        {
          names: ['getpid'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 3, value: op === 'SCMP_CMP_MASKED_EQ' ? 0x1_0000_00ff : value, valueTwo: value, op }],
        },
      ],
    };
    const prog = program(profile, []);
    for (const p of probes) {
      const args = [0n, 0n, 0n, p];
      t.is(run(prog, { nr: nr('getpid'), args }), expected(profile, [], { nr: nr('getpid'), args }), `${op} ${p.toString(16)}`);
    }
  }
});

test('conditions of one rule are ANDed, rules of one syscall ORed, conditional before unconditional', (t) => {
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      {
        names: ['kill'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 100, op: 'SCMP_CMP_GE' },
          { index: 1, value: 15, op: 'SCMP_CMP_EQ' },
        ],
      },
      { names: ['kill'], action: 'SCMP_ACT_LOG', args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  const prog = program(profile, []);
  const EACCES = (SECCOMP_RET.ERRNO | 13) >>> 0;
  t.is(run(prog, { nr: nr('kill'), args: [100, 15] }), ALLOW);
  t.is(run(prog, { nr: nr('kill'), args: [99, 15] }), EACCES);
  t.is(run(prog, { nr: nr('kill'), args: [100, 14] }), EACCES);
  t.is(run(prog, { nr: nr('kill'), args: [1, 9] }), SECCOMP_RET.LOG);
  t.is(run(prog, { nr: nr('getpid') }), ALLOW);
});

test('long bodies and long programs use ja trampolines and still give the right verdicts', (t) => {
  // 200 argument rules on one syscall make a body far longer than an 8-bit jump reaches.
  const values = Array.from({ length: 200 }, (_, i) => i * 7 + 3);
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    syscalls: [
      ...values.map((v) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW' as const, args: [{ index: 1, value: v, op: 'SCMP_CMP_EQ' as const }] })),
      { names: Object.keys(SYSCALLS_X86_64).filter((n) => n !== 'ioctl' && n !== 'reboot'), action: 'SCMP_ACT_ALLOW' },
    ],
  };
  const prog = program(profile, []);
  t.true(prog.some((ins) => ins.code === BPF.JA), 'trampolines were needed');
  t.true(prog.length > 800);
  for (const v of [3, 10, values.at(-1)!]) t.is(run(prog, { nr: nr('ioctl'), args: [0, v] }), ALLOW, `ioctl ${v}`);
  for (const v of [0, 4, values.at(-1)! + 7]) t.is(run(prog, { nr: nr('ioctl'), args: [0, v] }), EPERM, `ioctl ${v}`);
  t.is(run(prog, { nr: nr('reboot') }), EPERM);
  t.is(run(prog, { nr: nr('listns') }), ALLOW);
  t.is(run(prog, { nr: nr('read') }), ALLOW);
});

test('a profile too big for the kernel is a clear 400', (t) => {
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: Array.from({ length: 1000 }, (_, i) => ({
      names: ['ioctl'],
      action: 'SCMP_ACT_ALLOW' as const,
      args: [{ index: 1, value: i, op: 'SCMP_CMP_EQ' as const }],
    })),
  };
  const err = t.throws(() => compileSeccomp(profile, { caps: [] }), { instanceOf: BoxifyError });
  t.is(err.code, 'invalid_argument');
  t.regex(err.message, /4096/);
});

test('includes.minKernel and arches select rules; unknown syscall names are ignored', (t) => {
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['gettid', 'arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      { names: ['getppid'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
    ],
  };
  t.is(run(decodeFilter(compileSeccomp(profile, { caps: [], kernelVersion: '6.18.0' })), { nr: nr('ptrace') }), ALLOW);
  const old = decodeFilter(compileSeccomp(profile, { caps: [], kernelVersion: '4.4.0-1' }));
  t.is(run(old, { nr: nr('ptrace') }), EPERM);
  t.is(run(old, { nr: nr('getpid') }), EPERM);
  t.is(run(old, { nr: nr('gettid') }), ALLOW);
  t.is(run(old, { nr: nr('getppid') }), EPERM);
});

// ---- parsing ----

test('parseDockerProfile accepts the Docker format, text or object, and the old "name" field', (t) => {
  const text = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], comment: 'io' },
      { name: 'clone', action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['sys_admin'], minKernel: '' } },
    ],
  });
  const p = parseDockerProfile(text);
  t.is(p.syscalls.length, 3);
  t.deepEqual(p.syscalls[1]!.names, ['clone']);
  t.deepEqual(p.syscalls[2]!.includes?.caps, ['CAP_SYS_ADMIN']);
  t.deepEqual(parseDockerProfile(JSON.parse(text)), p);
  t.deepEqual(parseDockerProfile('{"defaultAction":"SCMP_ACT_ALLOW"}'), { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
});

test('parseDockerProfile errors name the place in the profile', (t) => {
  const bad: [unknown, RegExp][] = [
    ['{not json', /not valid JSON/],
    ['[]', /top level.*object/],
    [{ syscalls: [] }, /defaultAction: is required/],
    [{ defaultAction: 'SCMP_ACT_MAYBE' }, /defaultAction: unknown action "SCMP_ACT_MAYBE"/],
    [{ defaultAction: 'SCMP_ACT_NOTIFY' }, /defaultAction: SCMP_ACT_NOTIFY.*not supported/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: {} }, /syscalls: must be a list/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]\.names: is required/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]\.names: must not be empty/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'ALLOW' }] }, /syscalls\[0\]\.action: unknown action/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.index: must be an integer from 0 to 5/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }] }, /args\[0\]\.op: unknown operator "SCMP_CMP_LIKE"/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.value/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_FLY'] } }] }, /syscalls\[0\]\.includes\.caps\[0\]: unknown capability "CAP_FLY"/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'new' } }] }, /minKernel: must be a kernel version/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 'EPERM' }, /defaultErrnoRet: must be an integer/],
  ];
  for (const [input, re] of bad) {
    const err = t.throws(() => parseDockerProfile(input), { instanceOf: BoxifyError }, JSON.stringify(input));
    t.is(err.code, 'invalid_argument');
    t.is(err.field, 'SecurityOpt');
    t.regex(err.message, re);
    t.regex(err.message, /^invalid SecurityOpt: seccomp profile: /);
  }
});

test('the default profile is itself a valid Docker profile', (t) => {
  const roundTrip = parseDockerProfile(JSON.stringify(DEFAULT_PROFILE));
  t.deepEqual(decodeFilter(compileSeccomp(roundTrip, { caps: DOCKER_DEFAULT_CAPS })), defaults);
  // every name in it exists on x86_64 (a typo would silently allow nothing)
  const unknown = DEFAULT_PROFILE.syscalls.flatMap((r) => r.names).filter((n) => SYSCALLS_X86_64[n] === undefined);
  t.deepEqual(unknown, []);
});
