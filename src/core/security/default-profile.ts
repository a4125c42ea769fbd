// Boxify's built-in seccomp profile, in Docker's format and in the spirit of moby's
// profiles/seccomp/default.json: an allowlist with EPERM for everything else. Syscalls that
// reach past the container (mounts, namespaces, modules, the clock, the kernel keyring,
// reboot, tracing other processes) are allowed only when the matching capability is kept,
// so `--cap-add SYS_ADMIN` and friends work as Docker users expect.
//
// Differences from moby, on purpose:
// - ptrace, keyctl/add_key/request_key need CAP_SYS_PTRACE / CAP_SYS_ADMIN (moby allows
//   ptrace on kernels >= 4.8 and never allows the keyring calls).
// - io_uring is not allowed (as moby since 2023); libuv and others fall back to epoll/threads.
// Names of other architectures' syscalls are omitted: this profile targets x86_64.

import type { SeccompProfile, SeccompRule } from './seccomp.js';

const ALLOWED: string[] = [
  // files and descriptors
  'access', 'close', 'close_range', 'copy_file_range', 'creat', 'dup', 'dup2', 'dup3',
  'faccessat', 'faccessat2', 'fadvise64', 'fallocate', 'fchdir', 'fchmod', 'fchmodat', 'fchmodat2',
  'fchown', 'fchownat', 'fcntl', 'fdatasync', 'flock', 'fstat', 'fstatfs', 'fsync', 'ftruncate',
  'getcwd', 'getdents', 'getdents64', 'chdir', 'chmod', 'chown', 'lchown', 'link', 'linkat', 'lseek', 'lstat',
  'mkdir', 'mkdirat', 'mknod', 'mknodat', 'newfstatat', 'open', 'openat', 'openat2', 'pipe', 'pipe2',
  'pread64', 'preadv', 'preadv2', 'pwrite64', 'pwritev', 'pwritev2', 'read', 'readahead', 'readlink',
  'readlinkat', 'readv', 'rename', 'renameat', 'renameat2', 'rmdir', 'sendfile', 'splice', 'stat',
  'statfs', 'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate',
  'umask', 'unlink', 'unlinkat', 'utime', 'utimensat', 'utimes', 'futimesat', 'vmsplice', 'write',
  'writev', 'name_to_handle_at', 'cachestat', 'memfd_create', 'memfd_secret',
  // extended attributes
  'fgetxattr', 'flistxattr', 'fremovexattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'listxattr',
  'llistxattr', 'lremovexattr', 'lsetxattr', 'removexattr', 'setxattr', 'getxattrat', 'setxattrat',
  'listxattrat', 'removexattrat', 'file_getattr', 'file_setattr',
  // waiting and events
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2',
  'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'inotify_add_watch', 'inotify_init',
  'inotify_init1', 'inotify_rm_watch', 'fanotify_mark', 'poll', 'ppoll', 'pselect6', 'select',
  'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_gettime', 'timerfd_settime',
  'futex', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue', 'get_robust_list', 'set_robust_list',
  'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_setup', 'io_submit',
  // memory
  'brk', 'madvise', 'map_shadow_stack', 'membarrier', 'mincore', 'mlock', 'mlock2', 'mlockall', 'mmap',
  'mprotect', 'mremap', 'mseal', 'msync', 'munlock', 'munlockall', 'munmap', 'pkey_alloc', 'pkey_free',
  'pkey_mprotect', 'remap_file_pages', 'process_mrelease',
  // processes, threads, signals
  'arch_prctl', 'capget', 'capset', 'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork',
  'getcpu', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrlimit', 'getrusage', 'getsid',
  'gettid', 'kill', 'pause', 'pidfd_open', 'pidfd_send_signal', 'prctl', 'prlimit64', 'restart_syscall',
  'rseq', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn',
  'rt_sigsuspend', 'rt_sigtimedwait', 'rt_tgsigqueueinfo', 'sched_getaffinity', 'sched_getattr',
  'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getscheduler',
  'sched_rr_get_interval', 'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler',
  'sched_yield', 'seccomp', 'setpgid', 'setpriority', 'setrlimit', 'setsid', 'set_tid_address',
  'sigaltstack', 'tgkill', 'tkill', 'wait4', 'waitid', 'ioprio_get', 'ioprio_set', 'get_thread_area',
  'set_thread_area', 'modify_ldt', 'uretprobe',
  // credentials (the capability checks stay in the kernel)
  'getegid', 'geteuid', 'getgid', 'getgroups', 'getresgid', 'getresuid', 'getuid', 'setfsgid', 'setfsuid',
  'setgid', 'setgroups', 'setregid', 'setresgid', 'setresuid', 'setreuid', 'setuid',
  // time
  'alarm', 'clock_getres', 'clock_gettime', 'clock_nanosleep', 'getitimer', 'gettimeofday', 'nanosleep',
  'setitimer', 'time', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime',
  'timer_settime', 'times', 'adjtimex', 'clock_adjtime',
  // sockets (socket itself is below: no AF_VSOCK)
  'accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen',
  'recvfrom', 'recvmmsg', 'recvmsg', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt', 'shutdown',
  'socketpair',
  // System V and POSIX IPC (namespaced by the IPC namespace)
  'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedsend', 'mq_unlink', 'msgctl',
  'msgget', 'msgrcv', 'msgsnd', 'semctl', 'semget', 'semop', 'semtimedop', 'shmat', 'shmctl', 'shmdt',
  'shmget',
  // misc
  'getrandom', 'ioctl', 'sysinfo', 'uname', 'landlock_add_rule', 'landlock_create_ruleset',
  'landlock_restrict_self', 'lsm_get_self_attr', 'lsm_list_modules', 'statmount', 'listmount',
];

/** Allowed only while the process keeps `cap`. */
const BY_CAPABILITY: [cap: string, names: string[]][] = [
  ['CAP_SYS_ADMIN', [
    'bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie',
    'mount', 'mount_setattr', 'move_mount', 'open_tree', 'open_tree_attr',
    'perf_event_open', 'pivot_root', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns',
    'swapon', 'swapoff', 'syslog', 'umount2', 'unshare', 'keyctl', 'add_key', 'request_key', 'listns',
    'lsm_set_self_attr',
  ]],
  ['CAP_SYS_BOOT', ['reboot', 'kexec_load', 'kexec_file_load']],
  ['CAP_SYS_CHROOT', ['chroot']],
  ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']],
  ['CAP_SYS_PACCT', ['acct']],
  ['CAP_SYS_PTRACE', ['ptrace', 'kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev']],
  ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
  ['CAP_SYS_TIME', ['settimeofday', 'clock_settime']],
  ['CAP_SYS_TTY_CONFIG', ['vhangup']],
  ['CAP_SYS_NICE', ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node', 'move_pages', 'migrate_pages']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  ['CAP_BPF', ['bpf']],
  ['CAP_PERFMON', ['perf_event_open']],
];

// clone(2) flags that create namespaces (include/uapi/linux/sched.h).
export const CLONE_NAMESPACE_FLAGS =
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET

const ENOSYS = 38;
const AF_VSOCK = 40;

const CONDITIONAL: SeccompRule[] = [
  {
    // Threads and fork, but no new namespaces without CAP_SYS_ADMIN.
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    excludes: { caps: ['CAP_SYS_ADMIN'] },
    comment: 'clone without namespace flags',
  },
  {
    // clone3 passes its flags in memory, which seccomp cannot read: answer ENOSYS so that
    // glibc (pthread_create, posix_spawn) falls back to clone, which is checked above.
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: ENOSYS,
    excludes: { caps: ['CAP_SYS_ADMIN'] },
  },
  {
    // The execution domains programs actually ask for: PER_LINUX, PER_LINUX32, UNAME26
    // variants, and 0xffffffff, which only queries.
    names: ['personality'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: 0x0, op: 'SCMP_CMP_EQ' }],
  },
  { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x8, op: 'SCMP_CMP_EQ' }] },
  { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x20000, op: 'SCMP_CMP_EQ' }] },
  { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x20008, op: 'SCMP_CMP_EQ' }] },
  { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
  {
    // Every address family but vsock, which reaches the hypervisor host.
    names: ['socket'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }],
  },
];

export const DEFAULT_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1, // EPERM
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [
    { names: ALLOWED, action: 'SCMP_ACT_ALLOW' },
    ...CONDITIONAL,
    ...BY_CAPABILITY.map(([cap, names]): SeccompRule => ({
      names,
      action: 'SCMP_ACT_ALLOW',
      includes: { caps: [cap] },
    })),
  ],
};
