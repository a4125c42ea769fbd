// `boxify run`: with an IMAGE, docker's create -> start -> follow output -> exit code; with no
// IMAGE, the seed's flow from ./boxify.yaml: create, start, and a shell in the container
// (or the yaml's command's output), then stop and remove the container.
import type { ContainerCreateRequest, WaitResponse } from '../../core/api/types.js';
import { loadBoxifyYaml, toCreateRequest, type BoxifyYaml } from '../../core/config/boxify-yaml.js';
import { BoxifyError } from '../../core/errors.js';
import { parseSize } from '../../core/size.js';
import type { Hijacked } from '../client.js';
import { constants } from 'node:os';
import { checkShellPrerequisites, runShell } from '../shell.js';
import { execExitCode } from './exec.js';
import { DEFAULT_DETACH_KEYS, detachedHint, parseDetachKeys, requireTerminalInput, runSession, terminalSize } from './attach.js';
import { bool, int, keyValues, list, num, str, UsageError, type FlagSpec, type Parsed } from './args.js';
import { CommandFailed, type CliContext, type Command } from './context.js';

export const RUN_FLAGS: FlagSpec[] = [
  { long: 'detach', short: 'd', help: 'Run in the background and print the container ID' },
  { long: 'interactive', short: 'i', help: 'Keep STDIN open and send it your input' },
  { long: 'tty', short: 't', help: 'Allocate a pseudo-TTY' },
  { long: 'detach-keys', value: true, metavar: 'KEYS', help: `Key sequence that detaches from a -i container (default ${DEFAULT_DETACH_KEYS})` },
  { long: 'rm', help: 'Remove the container when it exits' },
  { long: 'name', value: true, metavar: 'NAME', help: 'Name the container' },
  { long: 'memory', short: 'm', value: true, metavar: 'SIZE', help: 'Memory limit, e.g. 100m or 1g' },
  { long: 'cpus', value: true, metavar: 'N', help: 'CPUs the container may use, e.g. 0.5' },
  { long: 'cpu-shares', short: 'c', value: true, metavar: 'N', help: 'CPU shares, relative weight (2..262144, default 1024)' },
  { long: 'pids-limit', value: true, metavar: 'N', help: 'Most processes the container may have' },
  { long: 'env', short: 'e', value: true, multiple: true, metavar: 'K=V', help: 'Set an environment variable (K alone: take it from here)' },
  { long: 'workdir', short: 'w', value: true, metavar: 'DIR', help: 'Working directory inside the container' },
  { long: 'hostname', short: 'h', value: true, metavar: 'HOST', help: 'Container host name' },
  { long: 'user', short: 'u', value: true, metavar: 'USER', help: 'User (name or UID[:GID]) to run as' },
  { long: 'network', value: true, metavar: 'MODE', help: 'bridge (default) or none' },
  { long: 'label', short: 'l', value: true, multiple: true, metavar: 'K=V', help: 'Set a label' },
  { long: 'entrypoint', value: true, metavar: 'CMD', help: "Override the image's entrypoint" },
];

/** `-e K=V` as given; `-e K` takes K's value from this process's environment (docker's rule). */
export function envFlags(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.includes('=')) {
      if (v.startsWith('=')) throw new UsageError(`invalid argument "${v}" for -e, --env: expected KEY=VALUE`);
      out.push(v);
    } else if (process.env[v] !== undefined) {
      out.push(`${v}=${process.env[v]}`);
    }
  }
  return out;
}

/** Applies the flags that were given onto a create request (over boxify.yaml's values, too). */
export function applyRunFlags(body: ContainerCreateRequest, p: Parsed): ContainerCreateRequest {
  const hc = (body.HostConfig ??= {});
  const memory = str(p, 'memory');
  if (memory !== undefined) hc.Memory = parseSize(memory, '--memory');
  const cpus = num(p, 'cpus', { min: 0.01, spec: RUN_FLAGS });
  if (cpus !== undefined) hc.NanoCpus = Math.round(cpus * 1e9);
  const shares = int(p, 'cpu-shares', { min: 2, spec: RUN_FLAGS });
  if (shares !== undefined) hc.CpuShares = shares;
  const pids = int(p, 'pids-limit', { spec: RUN_FLAGS });
  if (pids !== undefined) hc.PidsLimit = pids;
  const env = envFlags(list(p, 'env'));
  if (env.length) body.Env = [...(body.Env ?? []), ...env];
  const workdir = str(p, 'workdir');
  if (workdir !== undefined) body.WorkingDir = workdir;
  const hostname = str(p, 'hostname');
  if (hostname !== undefined) body.Hostname = hostname;
  const user = str(p, 'user');
  if (user !== undefined) body.User = user;
  const network = str(p, 'network');
  if (network !== undefined) {
    if (network !== 'bridge' && network !== 'none') throw new UsageError(`invalid argument "${network}" for --network: use bridge or none`);
    hc.NetworkMode = network;
  }
  const labels = list(p, 'label');
  if (labels.length) body.Labels = { ...(body.Labels ?? {}), ...keyValues(labels, '-l, --label') };
  const entrypoint = str(p, 'entrypoint');
  if (entrypoint !== undefined) body.Entrypoint = [entrypoint];
  return body;
}

export const runCommand: Command = {
  name: 'run',
  usage: '[OPTIONS] [IMAGE [COMMAND] [ARG...]]',
  summary: 'Create and run a new container (from ./boxify.yaml when no IMAGE is given)',
  interspersed: false,
  flags: RUN_FLAGS,
  details: [
    'With an IMAGE: creates and starts the container and prints its output until it exits,',
    "then exits with the container's exit code. -d prints the ID and leaves it running.",
    '-i sends your input to the container (the end of the input closes its stdin); -t gives',
    'it a terminal (with -i, yours goes raw until the container exits). Ctrl-P Ctrl-Q (or',
    '--detach-keys) detaches from a -i container and leaves it running: see boxify attach.',
    '',
    'Without an IMAGE: reads boxify.yaml (or boxify.yml) in the current directory:',
    '  imageName: busybox',
    '  settings: { memoryLimit: 100m, cpuLimit: 512 }   # cpuLimit: CPU weight 1..10000',
    'and opens a shell (/bin/sh) in a new container, or runs the file\'s `command` and',
    'prints its output. When the shell or command ends, the container is stopped and',
    'removed (with -d it is left running instead). Flags given here override the file.',
  ].join('\n'),
  async run(ctx, p) {
    if (p.args.length === 0) return runFromYaml(ctx, p);
    const [image, ...cmd] = p.args as [string, ...string[]];
    const interactive = bool(p, 'interactive');
    const tty = bool(p, 'tty');
    const detach = bool(p, 'detach');
    const rm = bool(p, 'rm');
    const body = applyRunFlags({ Image: image, Tty: tty, AttachStdout: true, AttachStderr: true, HostConfig: {} }, p);
    if (cmd.length) body.Cmd = cmd;
    if (interactive) body.OpenStdin = true;
    if (!detach && (interactive || tty)) return runInteractive(ctx, body, p, { interactive, tty, rm });
    // Attached, the CLI removes the container itself after reading its exit code; detached,
    // the daemon does it when the container exits.
    if (detach && rm) body.HostConfig!.AutoRemove = true;
    const id = await create(ctx, body, str(p, 'name'));
    if (detach) {
      await start(ctx, id, rm);
      ctx.stdout.write(`${id}\n`);
      return 0;
    }
    return startAttached(ctx, id, { rm });
  },
};

async function create(ctx: CliContext, body: ContainerCreateRequest, name?: string): Promise<string> {
  const res = await ctx.client.createContainer(body, name);
  for (const w of res.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  return res.Id;
}

/** Starts the container; a start error gets docker's exit codes (127 not found, 126 not executable). */
async function start(ctx: CliContext, id: string, removeOnFailure: boolean): Promise<void> {
  try {
    await ctx.client.startContainer(id);
  } catch (err) {
    if (removeOnFailure) await ctx.client.removeContainer(id, { force: true }).catch(() => {});
    if (err instanceof BoxifyError && err.status !== 503) {
      const m = err.message;
      const code = /executable file not found|no such file or directory/i.test(m) ? 127 : /permission denied|is a directory/i.test(m) ? 126 : 125;
      throw new CommandFailed(m, code);
    }
    throw err;
  }
}

/**
 * `run -i` / `-t`, docker's way: create, attach before start (so no output is missed and
 * input reaches the container from its first read), register the wait before start, start,
 * then the session until the output ends, and the exit code from the wait. With --rm the
 * daemon removes the container (so a detached one goes when it exits) and the wait is for
 * its removal.
 */
async function runInteractive(
  ctx: CliContext,
  body: ContainerCreateRequest,
  p: Parsed,
  o: { interactive: boolean; tty: boolean; rm: boolean },
): Promise<number> {
  const keysSpec = str(p, 'detach-keys');
  const detachKeys = parseDetachKeys(keysSpec);
  if (o.interactive && o.tty) requireTerminalInput(ctx);
  Object.assign(body, { OpenStdin: o.interactive, StdinOnce: o.interactive, AttachStdin: o.interactive });
  if (o.rm) body.HostConfig!.AutoRemove = true;
  const id = await create(ctx, body, str(p, 'name'));
  let hijacked: Hijacked | undefined;
  let exit: Promise<WaitResponse>;
  try {
    hijacked = await ctx.client.attach(id, { stdin: o.interactive, stdout: true, stderr: true, detachKeys: keysSpec });
    exit = (await ctx.client.registerWait(id, o.rm ? 'removed' : 'next-exit')).result;
    // The terminal opens at start with the size given here.
    const size = o.tty ? terminalSize(ctx) : undefined;
    if (size) await ctx.client.resize(id, ...size);
    await start(ctx, id, o.rm);
  } catch (err) {
    hijacked?.socket.destroy();
    if (o.rm) await ctx.client.removeContainer(id, { force: true }).catch(() => {});
    throw err;
  }
  const outcome = await runSession(ctx, hijacked, {
    stdin: o.interactive,
    raw: o.tty && o.interactive,
    detachKeys: o.interactive ? detachKeys : undefined,
    resize: o.tty ? (rows, cols) => ctx.client.resize(id, rows, cols) : undefined,
    // Without a terminal of its own the container gets our signals, as with docker's sig-proxy.
    onSignal: o.tty ? undefined : (sig) => void ctx.client.killContainer(id, sig).catch(() => {}),
  });
  if (outcome === 'detached') {
    detachedHint(ctx, id);
    return 0;
  }
  const { StatusCode, Error: waitError } = await exit;
  if (waitError?.Message) ctx.stderr.write(`boxify: ${waitError.Message}\n`);
  return StatusCode;
}

/**
 * Starts the container, copies its output until it stops, and returns its exit code.
 * Ctrl-C (and SIGTERM, SIGHUP) are passed on to the container; a second Ctrl-C kills it.
 */
export async function startAttached(ctx: CliContext, id: string, opts: { rm: boolean }): Promise<number> {
  await start(ctx, id, opts.rm);
  let interrupts = 0;
  const forward = (sig: NodeJS.Signals) => {
    const send = sig === 'SIGINT' && ++interrupts > 1 ? 'SIGKILL' : sig;
    if (send === 'SIGKILL') ctx.stderr.write('\nboxify: killing the container\n');
    ctx.client.killContainer(id, send).catch(() => {});
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  try {
    for await (const rec of ctx.client.logs(id, { follow: true })) {
      (rec.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(rec.data);
    }
    const { StatusCode, Error: waitError } = await ctx.client.waitContainer(id, 'not-running');
    if (waitError?.Message) ctx.stderr.write(`boxify: ${waitError.Message}\n`);
    return StatusCode;
  } finally {
    for (const s of signals) process.off(s, forward);
    if (opts.rm) {
      await ctx.client.removeContainer(id, { force: true }).catch((err: unknown) => {
        if (!(err instanceof BoxifyError && err.code === 'not_found')) throw err;
      });
    }
  }
}

async function runFromYaml(ctx: CliContext, p: Parsed): Promise<number> {
  let cfg: BoxifyYaml;
  try {
    cfg = loadBoxifyYaml(ctx.cwd);
  } catch (err) {
    if (err instanceof BoxifyError && err.code === 'not_found') {
      throw new UsageError(
        `"boxify run" needs an IMAGE, or a boxify.yaml in the current directory (${ctx.cwd}), e.g.:\n` +
          '  imageName: busybox\n  settings:\n    memoryLimit: 100m\n    cpuLimit: 512',
      );
    }
    throw err;
  }
  const body = applyRunFlags(toCreateRequest(cfg), p);
  const detach = bool(p, 'detach');
  const shell = !cfg.command && !detach;
  // On a terminal the shell gets a pseudo-terminal of its own, entered from here (root only);
  // otherwise it runs through the daemon's exec API with pipes. Either way the user's
  // terminal never reaches the container. Checked before anything is created.
  const onTerminal = ctx.stdinIsTTY && ctx.stdoutIsTTY;
  if (shell && onTerminal) checkShellPrerequisites();
  const id = await create(ctx, body, str(p, 'name') ?? cfg.name);
  if (detach) {
    await start(ctx, id, bool(p, 'rm'));
    ctx.stdout.write(`${id}\n`);
    return 0;
  }
  if (!shell) return startAttached(ctx, id, { rm: true });

  // The shell: the container idles as PID 1 while the user works in /bin/sh entered into it;
  // when the shell ends, the container goes too (also if this process is interrupted,
  // terminated or its terminal hangs up).
  const cleanup = async () => {
    await ctx.client.stopContainer(id, { timeout: 2 }).catch(() => {});
    await ctx.client.removeContainer(id, { force: true }).catch(() => {});
  };
  const onFatal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(128 + constants.signals[sig]));
  };
  const fatal: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of fatal) process.on(s, onFatal);
  try {
    await start(ctx, id, true);
    if (onTerminal) return await runShell(await ctx.client.nsenterInfo(id), ['/bin/sh']);
    return await shellOverApi(ctx, id);
  } finally {
    for (const s of fatal) process.off(s, onFatal);
    await cleanup();
  }
}

/** /bin/sh through the exec API: this side's stdin to its stdin (EOF closes it), its output back. */
async function shellOverApi(ctx: CliContext, id: string): Promise<number> {
  const { Id } = await ctx.client.execCreate(id, { Cmd: ['/bin/sh'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const h = await ctx.client.execStartAttach(Id, { tty: false });
  await runSession(ctx, h, { stdin: true, raw: false });
  return execExitCode(ctx.client, Id);
}
