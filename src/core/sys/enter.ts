// Entering a running container from the host: a process that first joins the container's
// cgroup (nsenter joins namespaces but not the cgroup) and then enters every namespace of its
// PID 1 and its root with nsenter. Used by exec in the daemon and by the CLI/TUI shell.

export interface EnterTarget {
  /** Host PID of the container's PID 1. */
  pid: number;
  /** cgroup.procs files of the container's cgroup. */
  cgroupProcs: string[];
  /** Working directory inside the container. */
  cwd: string;
  uid?: number;
  gid?: number;
}

/**
 * argv that runs `cmd` inside the container: `sh` writes its own PID into each cgroup.procs
 * file, then replaces itself with nsenter, so nothing it forks escapes the cgroup.
 */
export function enterCommand(target: EnterTarget, cmd: string[]): { file: string; args: string[] } {
  const joins = target.cgroupProcs.map((f) => `echo $$ > '${f.replace(/'/g, `'\\''`)}'`).join(' && ');
  const script = `${joins ? joins + ' && ' : ''}exec "$@"`;
  const ns = [
    'nsenter',
    `--target=${target.pid}`,
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--pid',
    '--cgroup',
    '--root',
    `--wd=${target.cwd || '/'}`,
  ];
  if (target.uid !== undefined && target.uid !== 0) ns.push(`--setuid=${target.uid}`, `--setgid=${target.gid ?? 0}`);
  return { file: '/bin/sh', args: ['-c', script, 'boxify-enter', ...ns, '--', ...cmd] };
}
