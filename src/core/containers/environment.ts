// The environment a container's processes start with, as Docker gives it: PATH, HOSTNAME,
// TERM=xterm when the process has a terminal, then the container's (or the exec's) own
// variables, which win over these; HOME last, from the user's passwd entry, unless set.
// (moby's Container.CreateDaemonEnvironment, then runc's HOME rule.) It is computed when a
// process starts, not stored: `inspect` shows Config.Env as the user gave it, as Docker.
import { DEFAULT_PATH, mergeEnv } from './validate.js';

export interface ProcessEnvOptions {
  hostname: string;
  /** The process has a terminal (a TTY container, or `exec -t`). */
  tty: boolean;
  /** The user's home directory from passwd (`/` when none). */
  home: string;
  /** The container's Config.Env. */
  containerEnv: string[];
  /** An exec's own variables, over the container's. */
  execEnv?: string[];
}

export function processEnv(o: ProcessEnvOptions): string[] {
  const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${o.hostname}`], o.tty ? ['TERM=xterm'] : [], o.containerEnv, o.execEnv ?? []);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${o.home}`);
  return env;
}
