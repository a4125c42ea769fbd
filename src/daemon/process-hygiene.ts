// What boxifyd does to its own process before anything else, so that nothing it inherited
// reaches a container and no container can reach back through it:
//
// - fds from 3 up become close-on-exec: Node marks only the fds it opens itself, and whoever
//   started the daemon may have left a directory or socket open; children (the shim, exec
//   helpers, ip) would otherwise inherit it.
// - non-dumpable: /proc/<daemon>/fd, mem, environ and ptrace need CAP_SYS_PTRACE.
// - no controlling terminal: started from a terminal (`nohup boxifyd &`), the daemon and every
//   process it starts would share that terminal's session, and a container process could
//   TIOCSTI keystrokes into the shell there. TIOCNOTTY gives the terminal up; setsid, where
//   allowed, leaves the session altogether.
// - SIGHUP does not end it: the hangup of the terminal it came from, or `kill -HUP`, is logged.
//   (Node restores the default action that nohup's SIG_IGN had set.)
import { SysError, dropControllingTerminal, markCloexecFrom, setNonDumpable, setsid } from '../core/sys/ffi.js';

export function hardenDaemonProcess(log: (msg: string) => void): void {
  markCloexecFrom(3);
  setNonDumpable();
  // Before TIOCNOTTY: a session leader giving up its terminal gets SIGHUP from the kernel.
  process.on('SIGHUP', () => log('SIGHUP received: ignored, the daemon keeps running (configuration is read only at start)'));
  const hadTerminal = dropControllingTerminal();
  try {
    setsid();
  } catch (err) {
    // EPERM: the daemon leads its process group (a shell's job); TIOCNOTTY was enough.
    if (!(err instanceof SysError && err.errno === 'EPERM')) throw err;
  }
  if (hadTerminal) log('gave up the controlling terminal it was started from');
}
