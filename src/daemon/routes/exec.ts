// /containers/{id}/exec and /exec/{id}/...: a process entered into a running container.
// Output goes framed (or raw with a TTY) either on a plain response or, when the client asks
// for an upgrade (docker exec), on the hijacked socket, where stdin comes back raw.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { ExecCreateRequest } from '../../core/api/types.js';
import { errors } from '../../core/errors.js';
import type { DaemonContext } from '../context.js';
import { queryInt, reply, type RequestContext, type Router } from '../router.js';
import { frame, openClientStream } from '../streams.js';

type Pty = {
  pid: number;
  write(d: string | Buffer): void;
  resize(c: number, r: number): void;
  kill(sig?: string): void;
  onData(f: (d: string) => void): void;
  onExit(f: (e: { exitCode: number; signal?: number }) => void): void;
};

/** Live TTY execs, so /exec/{id}/resize can reach their terminal. */
const ttys = new Map<string, Pty>();
/** A size that arrived before the exec's terminal existed (the CLI resizes right after start). */
const pendingSizes = new Map<string, [number, number]>();

export function registerExecRoutes(router: Router, d: DaemonContext): void {
  const c = d.containers;

  router.post('/containers/:id/exec', async (ctx) => {
    const body = await ctx.json<ExecCreateRequest>();
    return reply(201, c.execCreate(ctx.params.id!, body));
  });

  router.get('/exec/:id/json', (ctx) => c.execInspect(ctx.params.id!));

  router.post('/exec/:id/resize', (ctx) => {
    c.execInspect(ctx.params.id!);
    const h = queryInt(ctx.query, 'h');
    const w = queryInt(ctx.query, 'w');
    if (!h || !w || h < 1 || w < 1) throw errors.invalid('h', 'h and w must be positive integers');
    const pty = ttys.get(ctx.params.id!);
    if (pty) pty.resize(w, h);
    else pendingSizes.set(ctx.params.id!, [h, w]);
    return reply(201);
  });

  router.post('/exec/:id/start', async (ctx) => execStart(ctx, d));
}

async function execStart(ctx: RequestContext, d: DaemonContext): Promise<void> {
  const body = await ctx.json<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] }>();
  const execId = ctx.params.id!;
  const info = d.containers.execInspect(execId);
  const p = d.containers.execPrepare(execId);
  const tty = p.tty || !!body.Tty;
  const [rows, cols] = Array.isArray(body.ConsoleSize) ? body.ConsoleSize : [24, 80];

  const out = openClientStream(ctx, tty);

  if (body.Detach) {
    const child = spawn(p.file, p.args, { env: p.env, stdio: 'ignore', detached: true });
    p.started(child.pid ?? 0);
    child.once('exit', (code, sig) => p.finished(code ?? 128 + (sig ? os.constants.signals[sig] : 0)));
    child.once('error', () => p.finished(126));
    out.end();
    return;
  }

  if (tty) {
    const ptyMod = (await import('node-pty')) as unknown as { spawn: (f: string, a: string[], o: object) => Pty };
    const pty = ptyMod.spawn(p.file, p.args, { env: p.env, cols: cols || 80, rows: rows || 24, name: 'xterm' });
    ttys.set(execId, pty);
    const early = pendingSizes.get(execId);
    if (early) {
      pendingSizes.delete(execId);
      pty.resize(early[1], early[0]);
    }
    p.started(pty.pid);
    pty.onData((s) => out.write(Buffer.from(s, 'utf8')));
    out.onInput(
      (b) => pty.write(b),
      () => undefined,
    );
    out.onClose(() => {
      if (ttys.has(execId)) pty.kill('SIGHUP');
    });
    await new Promise<void>((resolve) =>
      pty.onExit(({ exitCode, signal }) => {
        ttys.delete(execId);
        pendingSizes.delete(execId);
        p.finished(signal ? 128 + signal : exitCode);
        // Let the last output reach the socket before it closes.
        setImmediate(() => {
          out.end();
          resolve();
        });
      }),
    );
    return;
  }

  const child = spawn(p.file, p.args, { env: p.env, stdio: [info.OpenStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  p.started(child.pid ?? 0);
  child.stdout!.on('data', (b: Buffer) => out.write(frame(1, b)));
  child.stderr!.on('data', (b: Buffer) => out.write(frame(2, b)));
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    // Half-close from the client closes the process's stdin; output keeps flowing.
    out.onInput(
      (b) => child.stdin!.write(b),
      () => child.stdin!.end(),
    );
  }
  out.onClose(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve) => {
    child.once('error', (e) => {
      out.write(frame(3, `exec failed: ${e.message}\n`));
      p.finished(126);
      out.end();
      resolve();
    });
    child.once('close', (code, sig) => {
      p.finished(code ?? 128 + (sig ? os.constants.signals[sig] : 0));
      out.end();
      resolve();
    });
  });
}
