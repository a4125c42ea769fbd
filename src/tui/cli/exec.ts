// `boxify exec`: with -i or -t, the process runs from this side through nsenter (shell.ts),
// on a pseudo-terminal when -t is given and stdin is one; otherwise through the exec API
// (create, start with collected output, inspect for the exit code).
import { BoxifyError } from '../../core/errors.js';
import { checkShellPrerequisites, runShell } from '../shell.js';
import { bool, list, str, UsageError } from './args.js';
import type { Command } from './context.js';
import { envFlags } from './run.js';

export const execCommand: Command = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  interspersed: false,
  flags: [
    { long: 'interactive', short: 'i', help: 'Keep STDIN open' },
    { long: 'tty', short: 't', help: 'Allocate a pseudo-TTY' },
    { long: 'env', short: 'e', value: true, multiple: true, metavar: 'K=V', help: 'Set an environment variable' },
    { long: 'workdir', short: 'w', value: true, metavar: 'DIR', help: 'Working directory inside the container' },
    { long: 'user', short: 'u', value: true, metavar: 'USER', help: 'User (name or UID[:GID])' },
  ],
  details: '-i and -t run the command through nsenter from this side, which needs root.',
  async run(ctx, p) {
    const [ref, ...cmd] = p.args;
    if (!ref || cmd.length === 0) throw new UsageError('requires a container and a command');
    const env = envFlags(list(p, 'env'));
    const workdir = str(p, 'workdir');
    const user = str(p, 'user');
    if (bool(p, 'interactive') || bool(p, 'tty')) {
      checkShellPrerequisites();
      const info = await ctx.client.nsenterInfo(ref);
      if (user !== undefined) info.user = user;
      return runShell(info, cmd, { tty: bool(p, 'tty') && ctx.stdinIsTTY, env, workdir });
    }
    const { Id } = await ctx.client.execCreate(ref, {
      AttachStdout: true,
      AttachStderr: true,
      Cmd: cmd,
      ...(env.length ? { Env: env } : {}),
      ...(workdir !== undefined ? { WorkingDir: workdir } : {}),
      ...(user !== undefined ? { User: user } : {}),
    });
    const out = await ctx.client.execStartCollect(Id);
    ctx.stdout.write(out.stdout);
    ctx.stderr.write(out.stderr);
    // The output can end a moment before the daemon has recorded the exit code.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const inspect = await ctx.client.execInspect(Id);
      if (!inspect.Running && inspect.ExitCode !== null) return inspect.ExitCode;
      if (Date.now() > deadline) throw new BoxifyError('internal', `exec ${Id} ended its output but has no exit code after 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  },
};
