// The full-screen TUI on the process's terminal (loaded by run.tsx). This module owns the
// terminal: it enters the alternate screen, renders the Ink app, hands the terminal to a
// shell on attach and takes it back, and restores the terminal however the program ends
// (q, Ctrl-C, a crash, SIGTERM/SIGINT/SIGHUP).
//
// Attach design: Ink reads stdin whenever any useInput hook is active, so while a shell runs
// the Ink app is not merely paused but unmounted. Its state lives in the reducer; the app
// reports every new state (onState) and is mounted again from the saved state when the
// shell exits, so the screen comes back exactly as it was (selection, sort, filter, marks,
// sparkline history).
import { render, type Instance } from 'ink';
import { buildShellCommand, checkShellPrerequisites } from '../shell.js';
import { App, type AppExit } from './App.js';
import type { NsenterInfo, TuiClient } from './client.js';
import type { AppState } from './state/app.js';
import { errorText } from './hooks/usePoller.js';

const ENTER_ALT = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_ALT = '\x1b[?25h\x1b[?1049l';

export interface RunTuiOptions {
  client: TuiClient;
  /** Shown in the header and the "daemon down" screen; default the client's. */
  socketPath?: string;
}

/** The terminal as the TUI found it, and the one way back to it. */
class Screen {
  private inAlt = false;

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly stdout: NodeJS.WriteStream,
  ) {}

  enter(): void {
    if (this.inAlt) return;
    this.write(ENTER_ALT);
    this.inAlt = true;
  }

  /** Back to the normal screen with a visible cursor and a cooked terminal. Idempotent. */
  leave(): void {
    if (this.stdin.isTTY && this.stdin.isRaw) {
      try {
        this.stdin.setRawMode(false);
      } catch {
        // The terminal may be gone already (SIGHUP).
      }
    }
    if (!this.inAlt) return;
    this.inAlt = false;
    this.write(LEAVE_ALT);
  }

  private write(s: string): void {
    try {
      this.stdout.write(s);
    } catch {
      // A hung-up terminal: nothing left to restore.
    }
  }
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/**
 * `/bin/sh` in the container on a pseudo-terminal that gets this terminal's keys (raw) and
 * size, until the shell exits; resolves with its exit status. Input is read the way Ink reads
 * it ('readable' and read()), not with 'data' and pause(): after pause() the TTY stream stops
 * reading and an Ink app mounted next would never see a key.
 */
async function runAttachedShell(
  info: NsenterInfo,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  onSpawn: (kill: () => void) => void,
): Promise<number> {
  const term = process.env.TERM || 'xterm';
  const { file, args, env } = buildShellCommand(info, ['/bin/sh'], { term });
  const { spawn } = await import('node-pty');
  const size = () => [stdout.columns || 80, stdout.rows || 24] as const;
  const pty = spawn(file, args, { name: term, cols: size()[0], rows: size()[1], cwd: '/', env });
  onSpawn(() => pty.kill());
  const onReadable = () => {
    let chunk: string | Buffer | null;
    while ((chunk = stdin.read() as string | Buffer | null) !== null) pty.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  };
  const onResize = () => pty.resize(...size());
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.ref();
  stdin.on('readable', onReadable);
  stdout.on('resize', onResize);
  const output = pty.onData((d) => stdout.write(d));
  try {
    return await new Promise<number>((resolve) => pty.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode)));
  } finally {
    output.dispose();
    stdout.off('resize', onResize);
    stdin.off('readable', onReadable);
    if (stdin.isTTY) stdin.setRawMode(false);
  }
}

export async function runTerminalTui(opts: RunTuiOptions): Promise<void> {
  const { client } = opts;
  const socketPath = opts.socketPath ?? client.socketPath ?? '/var/run/boxify.sock';
  const stdin = process.stdin;
  const stdout = process.stdout;
  const screen = new Screen(stdin, stdout);
  let instance: Instance | null = null;
  let killShell: (() => void) | null = null;
  let saved: AppState | undefined;

  // Whatever ends the process, the terminal is given back first.
  const restore = () => {
    killShell?.();
    killShell = null;
    try {
      instance?.unmount();
    } catch {
      // Unmounting a crashed tree can throw; the screen is restored below regardless.
    }
    instance = null;
    screen.leave();
  };
  const onSignal = (sig: keyof typeof SIGNALS) => {
    restore();
    process.exit(128 + SIGNALS[sig]);
  };
  const onCrash = (err: unknown) => {
    restore();
    process.stderr.write(`boxify: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  const signalHandlers = Object.keys(SIGNALS).map((sig) => {
    const h = () => onSignal(sig as keyof typeof SIGNALS);
    process.on(sig, h);
    return [sig, h] as const;
  });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('exit', restore);

  try {
    for (;;) {
      screen.enter();
      instance = render(
        <App client={client} socketPath={socketPath} initial={saved} onState={(s) => (saved = s)} />,
        { stdin, stdout, exitOnCtrlC: false, patchConsole: true, incrementalRendering: false },
      );
      const result = (await instance.waitUntilExit()) as AppExit | undefined;
      instance = null;
      if (result?.kind !== 'attach') break;
      try {
        // Checked before the screen is given up, so a refusal is a banner, not a flash.
        checkShellPrerequisites();
      } catch (err) {
        if (saved) saved = { ...saved, mode: { kind: 'list' }, banner: { level: 'error', text: errorText(err) } };
        continue;
      }
      // The shell gets the terminal as it was before the TUI: the normal screen with a
      // visible cursor, then raw mode and every key for the shell.
      screen.leave();
      let banner: AppState['banner'] = null;
      try {
        const code = await runAttachedShell(result.attach.info, stdin, stdout, (kill) => (killShell = kill));
        if (code !== 0) banner = { level: 'info', text: `shell in ${result.attach.name} exited with ${code}` };
      } catch (err) {
        banner = { level: 'error', text: `shell in ${result.attach.name}: ${errorText(err)}` };
      } finally {
        killShell = null;
      }
      if (saved) saved = { ...saved, mode: { kind: 'list' }, banner };
    }
  } finally {
    restore();
    for (const [sig, h] of signalHandlers) process.off(sig, h);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', restore);
  }
}
