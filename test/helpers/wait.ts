// Small pollers and one-call container runs shared by the runtime integration tests: tests
// wait for a condition (never a fixed sleep) and read a container's whole result at once.
import http from 'node:http';
import type { ContainerCreateRequest } from '../../src/core/api/types.js';
import type { BoxifyClient } from '../../src/tui/client.js';
import { SLOW } from './daemon.js';

/** Polls `cond` every `intervalMs` until it is truthy; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 25,
): Promise<NonNullable<T>> {
  // Scaled in slow environments (the emulated cgroup v2 VM).
  const deadline = Date.now() + timeoutMs * SLOW;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Output {
  stdout: string;
  stderr: string;
}

/** The container's whole log so far, stdout and stderr kept apart. */
export async function readLogs(
  client: BoxifyClient,
  ref: string,
  opts: { tail?: number | 'all'; timestamps?: boolean } = {},
): Promise<Output> {
  const out: Output = { stdout: '', stderr: '' };
  for await (const r of client.logs(ref, opts)) out[r.stream] += r.data.toString('utf8');
  return out;
}

export interface RunResult extends Output {
  id: string;
  exitCode: number;
}

/** Creates, starts and waits for a container, then reads its logs. The container is kept. */
export async function runToExit(
  client: BoxifyClient,
  body: ContainerCreateRequest,
  name?: string,
  timeoutMs = 60_000,
): Promise<RunResult> {
  const { Id } = await client.createContainer(body, name);
  await client.startContainer(Id);
  // After start returned the container is running or already exited; not-running covers both.
  const { StatusCode } = await withTimeout(client.waitContainer(Id, 'not-running'), timeoutMs, async () => {
    const i = await client.inspectContainer(Id).catch((e: unknown) => String(e));
    return `container ${Id.slice(0, 12)} (${JSON.stringify(body.Cmd)}) not recorded as exited within ${timeoutMs} ms; ` +
      `state ${JSON.stringify(typeof i === 'string' ? i : i.State)}`;
  });
  return { id: Id, exitCode: StatusCode, ...(await readLogs(client, Id)) };
}

/** `p`, or an Error with the message `why()` builds if it takes longer than `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, why: () => Promise<string> | string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void Promise.resolve(why()).then((m) => reject(new Error(m)), (e: unknown) => reject(e));
    }, ms * SLOW);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `cmd` in a running container (non-hijacked exec) and returns its output and exit code. */
export async function execIn(client: BoxifyClient, ref: string, cmd: string[]): Promise<Output & { exitCode: number; execId: string }> {
  const { Id } = await client.execCreate(ref, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const { stdout, stderr } = await client.execStartCollect(Id);
  const ins = await waitFor(async () => {
    const i = await client.execInspect(Id);
    return i.Running ? null : i;
  }, 10_000, `exec ${Id} to finish`);
  return { execId: Id, exitCode: ins.ExitCode ?? -1, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
}

/** A started container running `cmd`, with its id. */
export async function startContainer(client: BoxifyClient, body: ContainerCreateRequest, name?: string): Promise<string> {
  const { Id } = await client.createContainer(body, name);
  await client.startContainer(Id);
  return Id;
}

export interface RawAnswer {
  status: number;
  body: string;
  /** `body.message` when the body is Docker's `{"message": ...}` error. */
  message: string;
}

/** One HTTP request on the daemon's socket with a raw body, for inputs the typed client cannot send. */
export function rawRequest(socketPath: string, method: string, path: string, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { Host: 'boxify' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    } else if (method === 'POST') headers['Content-Length'] = 0;
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = '';
        try {
          const j = JSON.parse(text) as { message?: unknown };
          if (typeof j.message === 'string') message = j.message;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: text, message });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
