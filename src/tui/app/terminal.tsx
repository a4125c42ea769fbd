// The full-screen TUI on the process's terminal (loaded by run.tsx). This module owns the
// terminal: it enters the alternate screen (with mouse reports and bracketed paste on),
// renders the Ink app, hands the terminal to a process in a container (a shell through the
// exec API, or the container's own process through attach) and takes it back, and restores
// the terminal however the program ends (q, Ctrl-C, a crash, SIGTERM/SIGINT/SIGHUP).
//
// Session design: Ink reads stdin whenever an input subscription is active, so while a shell
// runs the Ink app is not merely paused but unmounted. Its state lives in the reducer; the
// app reports every new state (onState) and is mounted again from the saved state when the
// session ends, so the screen comes back exactly as it was (pane, selection, sort, filter,
// marks, history, tasks).
import { render, type Instance } from 'ink';
import { App, type AppExit, type SessionRequest } from './App.js';
import type { SessionClient, TuiClient } from './client.js';
import type { AppState } from './state/app.js';
import { errorText } from './hooks/usePoller.js';
import type { Hijacked } from '../client.js';

// Alternate screen, cursor home, clear; mouse: clicks (1000), drags (1002), SGR coordinates
// (1006); bracketed paste (2004).
const ENTER_ALT = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_ALT = '\x1b[?25h\x1b[?1049l';
const MODES_ON = '\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?2004h';
const MODES_OFF = '\x1b[?2004l\x1b[?1006l\x1b[?1002l\x1b[?1000l';

export interface RunTuiOptions {
  client: TuiClient & SessionClient;
  /** Shown in the header and the "daemon down" screen; default the client's. */
  socketPath?: string;
  /** Leave the mouse to the terminal (its own selection and copy); BOXIFY_MOUSE=0 does the same. */
  mouse?: boolean;
}

/** The terminal as the TUI found it, and the one way back to it. */
class Screen {
  private inAlt = false;

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly stdout: NodeJS.WriteStream,
    private readonly modesOn: string,
    private readonly modesOff: string,
  ) {}

  enter(): void {
    if (this.inAlt) return;
    this.write(ENTER_ALT + this.modesOn);
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
    this.write(this.modesOff + LEAVE_ALT);
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
 * Connects this terminal to a hijacked connection until its output ends: keys go raw to the
 * process, output comes raw (TTY), window changes are passed on. Input is read the way Ink
 * reads it ('readable' and read()), not with 'data' and pause(): after pause() the TTY stream
 * stops reading and an Ink app mounted next would never see a key.
 */
async function runHijacked(
  h: Hijacked,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  resize: (rows: number, cols: number) => Promise<void>,
  onStart: (kill: () => void) => void,
): Promise<void> {
  const { socket } = h;
  onStart(() => socket.destroy());
  const sendSize = () => void resize(stdout.rows || 24, stdout.columns || 80).catch(() => {});
  const onReadable = () => {
    let chunk: string | Buffer | null;
    while ((chunk = stdin.read() as string | Buffer | null) !== null) {
      if (!socket.destroyed && socket.writable) socket.write(chunk);
    }
  };
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.ref();
  stdin.on('readable', onReadable);
  stdout.on('resize', sendSize);
  let first = true;
  try {
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        if (first) {
          first = false;
          // The terminal exists once output comes: a size sent before may have found nothing.
          sendSize();
        }
        stdout.write(d);
      });
      socket.once('end', () => resolve());
      socket.once('close', () => resolve());
      socket.on('error', () => resolve());
      sendSize();
    });
  } finally {
    stdout.off('resize', sendSize);
    stdin.off('readable', onReadable);
    if (stdin.isTTY) stdin.setRawMode(false);
    socket.destroy();
  }
}

/** Runs the session; returns what to tell the user when the TUI is back (null: nothing). */
async function runSession(client: SessionClient, s: SessionRequest, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, onStart: (kill: () => void) => void): Promise<AppState['notice']> {
  const at = Date.now();
  if (s.kind === 'attach') {
    const info = await client.inspectContainer(s.id);
    if (!info.Config.Tty) return { text: `${s.name} has no terminal (created without a TTY): attach is for TTY containers; Enter opens a shell`, at };
    const stdinOpen = info.Config.OpenStdin === true;
    stdout.write(`attached to ${s.name}; Ctrl-P Ctrl-Q detaches and leaves it running\r\n`);
    const h = await client.attach(s.id, { stdin: stdinOpen, stdout: true, stderr: true, detachKeys: 'ctrl-p,ctrl-q' });
    await runHijacked(h, stdin, stdout, (rows, cols) => client.resize(s.id, rows, cols), onStart);
    const after = await client.inspectContainer(s.id).catch(() => null);
    return after?.State.Running ? { text: `detached from ${s.name} (still running)`, at: Date.now() } : { text: `${s.name} exited${after ? ` with ${after.State.ExitCode}` : ''}`, at: Date.now() };
  }
  const exec = await client.execCreate(s.id, {
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    ConsoleSize: [stdout.rows || 24, stdout.columns || 80],
    Cmd: s.cmd,
    User: s.user,
  });
  const h = await client.execStartAttach(exec.Id, { tty: true });
  await runHijacked(h, stdin, stdout, (rows, cols) => client.execResize(exec.Id, rows, cols), onStart);
  const code = await client
    .execInspect(exec.Id)
    .then((i) => i.ExitCode)
    .catch(() => null);
  return code ? { text: `${s.cmd === undefined ? 'shell' : s.cmd[0] === '/bin/sh' && s.cmd.length === 3 ? 'shell' : s.cmd.join(' ')} in ${s.name} exited with ${code}`, at: Date.now() } : null;
}

export async function runTerminalTui(opts: RunTuiOptions): Promise<void> {
  const { client } = opts;
  const socketPath = opts.socketPath ?? client.socketPath ?? '/var/run/boxify.sock';
  const stdin = process.stdin;
  const stdout = process.stdout;
  const mouse = opts.mouse ?? process.env.BOXIFY_MOUSE !== '0';
  const screen = new Screen(stdin, stdout, mouse ? MODES_ON : '\x1b[?2004h', mouse ? MODES_OFF : '\x1b[?2004l');
  let instance: Instance | null = null;
  let killSession: (() => void) | null = null;
  let saved: AppState | undefined;

  // Whatever ends the process, the terminal is given back first.
  const restore = () => {
    killSession?.();
    killSession = null;
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
      instance = render(<App client={client} socketPath={socketPath} initial={saved} onState={(s) => (saved = s)} />, {
        stdin,
        stdout,
        exitOnCtrlC: false,
        patchConsole: true,
        incrementalRendering: false,
      });
      const result = (await instance.waitUntilExit()) as AppExit | undefined;
      instance = null;
      if (result?.kind !== 'session') break;
      // The process gets the terminal as it was before the TUI: the normal screen with a
      // visible cursor, then raw mode and every key for it.
      screen.leave();
      let notice: AppState['notice'] = null;
      try {
        notice = await runSession(client, result.session, stdin, stdout, (kill) => (killSession = kill));
      } catch (err) {
        notice = { text: `${result.session.kind === 'attach' ? 'attach to' : 'shell in'} ${result.session.name}: ${errorText(err)}`, at: Date.now() };
      } finally {
        killSession = null;
      }
      if (saved) saved = { ...saved, prompt: null, notice };
    }
  } finally {
    restore();
    for (const [sig, h] of signalHandlers) process.off(sig, h);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', restore);
  }
}
