// `boxify exec`: a process in a running container through the exec API. With -i or -t the
// exec starts on a hijacked connection (stdin, a terminal with -t, resizes), as `docker exec`
// does, so it needs nothing on this side but the socket; otherwise its output is collected.
// The exit code comes from the exec's inspect. (The boxify.yaml shell of `boxify run` on a
// terminal gets a pseudo-terminal of its own instead: see shell.ts.)
import type { ExecCreateRequest } from '../../core/api/types.js';
import { BoxifyError } from '../../core/errors.js';
import type { BoxifyClient } from '../client.js';
import { requireTerminalInput, runSession, terminalSize } from './attach.js';
import { bool, list, str, UsageError } from './args.js';
import type { Command } from './context.js';
import { envFlags } from './run.js';

export const execCommand: Command = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  interspersed: false,
  flags: [
    { long: 'interactive', short: 'i', help: 'Keep STDIN open and send it your input' },
    { long: 'tty', short: 't', help: 'Allocate a pseudo-TTY' },
    { long: 'env', short: 'e', value: true, multiple: true, metavar: 'K=V', help: 'Set an environment variable' },
    { long: 'workdir', short: 'w', value: true, metavar: 'DIR', help: 'Working directory inside the container' },
    { long: 'user', short: 'u', value: true, metavar: 'USER', help: 'User (name or UID[:GID])' },
  ],
  details: "Exits with the command's exit code. -i sends your input (its end closes the command's stdin).",
  async run(ctx, p) {
    const [ref, ...cmd] = p.args;
    if (!ref || cmd.length === 0) throw new UsageError('requires a container and a command');
    const interactive = bool(p, 'interactive');
    const tty = bool(p, 'tty');
    if (interactive && tty) requireTerminalInput(ctx);
    const env = envFlags(list(p, 'env'));
    const workdir = str(p, 'workdir');
    const user = str(p, 'user');
    const size = tty ? terminalSize(ctx) : undefined;
    const body: ExecCreateRequest = {
      AttachStdin: interactive,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      Cmd: cmd,
      ...(size ? { ConsoleSize: size } : {}),
      ...(env.length ? { Env: env } : {}),
      ...(workdir !== undefined ? { WorkingDir: workdir } : {}),
      ...(user !== undefined ? { User: user } : {}),
    };
    const { Id } = await ctx.client.execCreate(ref, body);
    if (interactive || tty) {
      const h = await ctx.client.execStartAttach(Id, { tty });
      await runSession(ctx, h, {
        stdin: interactive,
        raw: tty && interactive,
        resize: tty ? (rows, cols) => ctx.client.execResize(Id, rows, cols) : undefined,
      });
    } else {
      const out = await ctx.client.execStartCollect(Id);
      ctx.stdout.write(out.stdout);
      ctx.stderr.write(out.stderr);
    }
    return execExitCode(ctx.client, Id);
  },
};

/** The exec's exit code; the output can end a moment before the daemon has recorded it. */
export async function execExitCode(client: BoxifyClient, id: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const inspect = await client.execInspect(id);
    if (!inspect.Running && inspect.ExitCode !== null) return inspect.ExitCode;
    if (Date.now() > deadline) throw new BoxifyError('internal', `exec ${id} ended its output but has no exit code after 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
