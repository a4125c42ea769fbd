// The attached session without a daemon: detach keys, the client's upgrade handshake against
// a small HTTP server on a temporary socket, and `run -i` / `attach` / `exec -i` driven
// through runCli with a fake client whose hijacked connection is a real Unix socket.
import test from 'ava';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { ContainerCreateRequest, ContainerInspect, ExecCreateRequest, ExecInspect } from '../../src/core/api/types.js';
import { BoxifyError } from '../../src/core/errors.js';
import { BoxifyClient, muxFrame, type Hijacked } from '../../src/tui/client.js';
import { KeySequence, parseDetachKeys } from '../../src/tui/cli/attach.js';
import type { CliContext } from '../../src/tui/cli/context.js';
import { UsageError } from '../../src/tui/cli/args.js';
import { runCli } from '../../src/tui/cli/index.js';

function tempSocket(t: import('ava').ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-cli-attach-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 's.sock');
}

test('detach keys: docker syntax to bytes, mistakes name the flag', (t) => {
  t.deepEqual([...parseDetachKeys()], [0x10, 0x11]);
  t.deepEqual([...parseDetachKeys('a, ctrl-x')], [0x61, 0x18]);
  t.throws(() => parseDetachKeys('ctrl-pp'), { instanceOf: UsageError, message: /--detach-keys: "ctrl-pp" is not a key/ });
});

test('a key sequence is seen across chunks, and only when whole and in order', (t) => {
  const k = new KeySequence(Buffer.from([0x10, 0x11]));
  t.false(k.push(Buffer.from('ab\x10')));
  t.true(k.push(Buffer.from('\x11')));
  t.true(new KeySequence(Buffer.from([0x10, 0x11])).push(Buffer.from('\x10\x10\x11')), 'a repeated first key restarts the match');
  t.false(new KeySequence(Buffer.from([0x10, 0x11])).push(Buffer.from('\x10a\x11')));
});

// ---- the client's upgrade ----

test('attach upgrades the connection: headers, query, output that came with the 101, half-close', async (t) => {
  const sock = tempSocket(t);
  let seen: http.IncomingHttpHeaders = {};
  let url = '';
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    seen = req.headers;
    url = req.url ?? '';
    // The 101 and the first frame in one write: the client must not lose that frame.
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    socket.write(muxFrame(1, 'early'));
    const input: Buffer[] = [];
    socket.on('data', (b: Buffer) => input.push(b));
    socket.on('end', () => socket.end(muxFrame(2, `in:${Buffer.concat(input).toString()}`)));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.teardown(() => server.close());
  const client = new BoxifyClient({ socketPath: sock });
  const h = await client.attach('web', { stdin: true, detachKeys: 'ctrl-a,b' });
  t.false(h.tty);
  t.is(seen.connection, 'Upgrade');
  t.is(seen.upgrade, 'tcp');
  t.is(url, '/containers/web/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-a%2Cb');
  h.socket.end('typed');
  const chunks: Buffer[] = [];
  for await (const c of h.socket) chunks.push(c as Buffer);
  t.deepEqual(Buffer.concat(chunks), Buffer.concat([muxFrame(1, 'early'), muxFrame(2, 'in:typed')]));
});

test('a refused upgrade is the daemon’s error, with its message', async (t) => {
  const sock = tempSocket(t);
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket) => {
    const body = JSON.stringify({ message: 'No such container: nope' });
    socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.teardown(() => server.close());
  const err = await t.throwsAsync(new BoxifyClient({ socketPath: sock }).attach('nope'), { instanceOf: BoxifyError });
  t.is(err?.code, 'not_found');
  t.is(err?.message, 'No such container: nope');
});

// ---- commands against a fake client ----

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * A hijacked connection whose far end runs `serve` (a Unix socket pair through a server
 * that allows half-open connections, as the daemon's does).
 */
async function fakeHijack(t: import('ava').ExecutionContext, serve: (s: net.Socket) => void): Promise<() => Promise<Hijacked>> {
  const sock = tempSocket(t);
  const server = net.createServer({ allowHalfOpen: true }, serve);
  await new Promise<void>((r) => server.listen(sock, r));
  t.teardown(() => server.close());
  return () =>
    new Promise((resolve) => {
      const s = net.connect(sock, () => resolve({ socket: s, tty: false }));
    });
}

/** A far end like a `cat` container: echoes stdin to stdout until end of input, then a word on stderr. */
const catServer = (s: net.Socket) => {
  s.on('data', (b: Buffer) => s.write(muxFrame(1, b)));
  s.on('end', () => s.end(muxFrame(2, 'bye\n')));
};

function ctxWith(client: Partial<BoxifyClient>, input: string): CliContext & { out: Sink; err: Sink } {
  const out = new Sink();
  const err = new Sink();
  const stdin = new PassThrough();
  stdin.end(input);
  return { client: client as BoxifyClient, stdin, stdout: out, stderr: err, out, err, cwd: '/', stdinIsTTY: false, stdoutIsTTY: false };
}

test('run -i: create with stdin open, attach and register the wait before start, pipe input, exit with the wait code', async (t) => {
  const calls: string[] = [];
  const hijack = await fakeHijack(t, catServer);
  let body: ContainerCreateRequest | undefined;
  const ctx = ctxWith(
    {
      createContainer: async (b) => ((body = b), calls.push('create'), { Id: 'c1', Warnings: [] }),
      attach: async (id, o) => (calls.push(`attach ${id} stdin=${o?.stdin}`), hijack()),
      registerWait: async (id, cond) => (calls.push(`wait ${id} ${cond}`), { result: Promise.resolve({ StatusCode: 4, Error: null }) }),
      startContainer: async (id) => void calls.push(`start ${id}`),
      removeContainer: async () => void calls.push('rm'),
    },
    'hello\n',
  );
  t.is(await runCli(['run', '-i', '--rm', 'busybox', 'cat'], ctx), 4);
  t.deepEqual(calls, ['create', 'attach c1 stdin=true', 'wait c1 removed', 'start c1']);
  t.like(body, { Tty: false, OpenStdin: true, StdinOnce: true, AttachStdin: true, HostConfig: { AutoRemove: true } });
  t.is(ctx.out.text, 'hello\n');
  t.is(ctx.err.text, 'bye\n');
});

test('run -it needs a terminal for input, like docker, and creates nothing without one', async (t) => {
  const calls: string[] = [];
  const ctx = ctxWith({ createContainer: async () => (calls.push('create'), { Id: 'x', Warnings: [] }) }, '');
  t.is(await runCli(['run', '-it', 'busybox', 'sh'], ctx), 1);
  t.regex(ctx.err.text, /the input device is not a TTY/);
  t.deepEqual(calls, []);
});

test('attach: the detach keys end the session with exit 0 and a hint, leaving the container alone', async (t) => {
  const calls: string[] = [];
  // Like the daemon: on the detach keys, end the attachment.
  const hijack = await fakeHijack(t, (s) => s.on('data', (b: Buffer) => b.includes(0x11) && s.end()));
  const inspect = { Id: 'f'.repeat(64), State: { Running: true }, Config: { Tty: false, OpenStdin: true } } as unknown as ContainerInspect;
  const stdin = new PassThrough();
  const ctx = { ...ctxWith({}, ''), stdin };
  ctx.client = {
    inspectContainer: async () => inspect,
    attach: async (_id: string, o?: { stdin?: boolean }) => (calls.push(`attach stdin=${o?.stdin}`), hijack()),
    waitContainer: async () => (calls.push('wait'), { StatusCode: 9, Error: null }),
    killContainer: async () => void calls.push('kill'),
  } as unknown as BoxifyClient;
  stdin.write('ls\n\x10\x11');
  t.is(await runCli(['attach', 'web'], ctx), 0);
  t.deepEqual(calls, ['attach stdin=true']);
  t.regex(ctx.err.text, /detached from ffffffffffff/);
});

test('exec -i: the exec API with stdin attached; the exit code comes from its inspect', async (t) => {
  const hijack = await fakeHijack(t, catServer);
  let created: ExecCreateRequest | undefined;
  const ctx = ctxWith(
    {
      execCreate: async (_ref, b) => ((created = b), { Id: 'e1' }),
      execStartAttach: async () => hijack(),
      execInspect: async () => ({ Running: false, ExitCode: 2 }) as ExecInspect,
    },
    'piped',
  );
  t.is(await runCli(['exec', '-i', 'web', 'cat'], ctx), 2);
  t.like(created, { AttachStdin: true, Tty: false, Cmd: ['cat'] });
  t.is(ctx.out.text, 'piped');
});
