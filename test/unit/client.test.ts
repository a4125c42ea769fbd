import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoxifyError } from '../../src/core/errors.js';
import { BoxifyClient, Demuxer, MUX_STREAM, RAW_STREAM, demuxFrames, muxFrame } from '../../src/tui/client.js';

test('demuxFrames splits whole frames and keeps an incomplete tail', (t) => {
  const buf = Buffer.concat([muxFrame(1, 'hello '), muxFrame(2, 'oops'), muxFrame(1, 'world')]);
  const { frames, rest } = demuxFrames(buf);
  t.deepEqual(
    frames.map((f) => [f.stream, f.data.toString()]),
    [
      ['stdout', 'hello '],
      ['stderr', 'oops'],
      ['stdout', 'world'],
    ],
  );
  t.is(rest.length, 0);
  const partial = demuxFrames(buf.subarray(0, 10));
  t.deepEqual(partial.frames.length, 0);
  t.is(partial.rest.length, 10);
  // stdin (0) shows as stdout; 3 is the daemon's error channel; an empty frame is a frame.
  t.deepEqual(
    demuxFrames(Buffer.concat([muxFrame(0, 'a'), muxFrame(3, 'bad'), muxFrame(1, '')])).frames.map((f) => f.stream),
    ['stdout', 'system', 'stdout'],
  );
});

test('Demuxer reassembles frames split at every possible byte boundary', (t) => {
  const big = Buffer.alloc(70000, 'x');
  const frames = [muxFrame(1, 'one'), muxFrame(2, 'two-two'), muxFrame(1, big), muxFrame(2, 'end')];
  const stream = Buffer.concat(frames);
  const expected = ['stdout:3', 'stderr:7', 'stdout:70000', 'stderr:3'];
  for (const size of [1, 2, 3, 7, 8, 9, 13, 4096, stream.length]) {
    const d = new Demuxer();
    const got: string[] = [];
    const data: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) {
      for (const f of d.push(stream.subarray(i, i + size))) {
        got.push(`${f.stream}:${f.data.length}`);
        data.push(Buffer.from(f.data));
      }
    }
    t.deepEqual(got, expected, `chunk size ${size}`);
    t.is(d.pending, 0);
    t.true(data[2]!.equals(big));
  }
  const d = new Demuxer();
  d.push(muxFrame(1, 'truncated').subarray(0, 12));
  t.is(d.pending, 12);
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function fakeDaemon(t: import('ava').ExecutionContext, handler: Handler): Promise<{ socket: string; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-client-'));
  const socket = join(dir, 'd.sock');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}${body ? ` ${body}` : ''}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return { socket, requests };
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

test('calls map to Docker API paths, and errors become BoxifyErrors from status and message', async (t) => {
  const { socket, requests } = await fakeDaemon(t, (req, res) => {
    const url = req.url!;
    if (url === '/containers/json?all=1') return json(res, 200, [{ Id: 'a'.repeat(64) }]);
    if (url.startsWith('/containers/create')) return json(res, 201, { Id: 'b'.repeat(64), Warnings: [] });
    if (url === '/containers/x/start') return void res.writeHead(304).end();
    if (url === '/containers/x/stop?t=3&signal=SIGINT') return void res.writeHead(204).end();
    if (url === '/containers/nope/json') return json(res, 404, { message: 'No such container: nope' });
    if (url === '/containers/x/kill?signal=HUP') return json(res, 409, { message: 'Container x is not running' });
    if (url === '/containers/x?force=1') return void res.writeHead(204).end();
    if (url === '/containers/x/wait?condition=not-running') return json(res, 200, { StatusCode: 3, Error: null });
    if (url === '/boxify/stats') return json(res, 200, []);
    if (url === '/boom') return json(res, 500, { message: 'kaput' });
    if (url === '/version') return void res.writeHead(502, { 'Content-Type': 'text/plain' }).end('bad gateway');
    return json(res, 404, { message: `page not found: ${url}` });
  });
  const c = new BoxifyClient({ socketPath: socket });
  t.teardown(() => c.close());
  t.is((await c.listContainers({ all: true }))[0]!.Id, 'a'.repeat(64));
  t.is((await c.createContainer({ Image: 'busybox' }, 'web')).Id, 'b'.repeat(64));
  await c.startContainer('x');
  await c.stopContainer('x', { timeout: 3, signal: 'SIGINT' });
  await c.removeContainer('x', { force: true });
  t.deepEqual(await c.waitContainer('x', 'not-running'), { StatusCode: 3, Error: null });
  t.deepEqual(await c.allStats(), []);
  const notFound = await t.throwsAsync(c.inspectContainer('nope'), { instanceOf: BoxifyError });
  t.is(notFound?.code, 'not_found');
  t.is(notFound?.message, 'No such container: nope');
  t.true(notFound?.isUserError);
  const conflict = await t.throwsAsync(c.killContainer('x', 'HUP'), { instanceOf: BoxifyError });
  t.is(conflict?.code, 'conflict');
  const text = await t.throwsAsync(c.version(), { instanceOf: BoxifyError });
  t.is(text?.message, 'bad gateway');
  t.false(text?.isUserError);
  t.true(requests.includes('POST /containers/create?name=web {"Image":"busybox"}'));
  // Names with odd characters are escaped into the path.
  await t.throwsAsync(c.inspectContainer('a/b?c'), { message: 'page not found: /containers/a%2Fb%3Fc/json' });
});

test('a missing socket says how to start the daemon', async (t) => {
  const c = new BoxifyClient({ socketPath: '/tmp/boxify-no-such-dir/boxify.sock' });
  const err = await t.throwsAsync(c.ping(), { instanceOf: BoxifyError });
  t.is(err?.code, 'unavailable');
  t.is(err?.message, 'cannot connect to boxifyd at /tmp/boxify-no-such-dir/boxify.sock: is the daemon running? Start it with: sudo boxifyd');
});

test('the socket path defaults to BOXIFY_SOCKET, then /var/run/boxify.sock', (t) => {
  const saved = process.env.BOXIFY_SOCKET;
  t.teardown(() => (saved === undefined ? delete process.env.BOXIFY_SOCKET : (process.env.BOXIFY_SOCKET = saved)));
  process.env.BOXIFY_SOCKET = '/tmp/x.sock';
  t.is(new BoxifyClient().socketPath, '/tmp/x.sock');
  delete process.env.BOXIFY_SOCKET;
  t.is(new BoxifyClient().socketPath, '/var/run/boxify.sock');
  t.is(new BoxifyClient({ socketPath: '/a' }).socketPath, '/a');
});

test('a socket the user may not open says to use sudo', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('covered when run as root, where a child can drop to nobody');
  const { socket } = await fakeDaemon(t, (_req, res) => res.end('OK'));
  chmodSync(join(socket, '..'), 0o755);
  chmodSync(socket, 0o600);
  const clientJs = fileURLToPath(new URL('../../src/tui/client.js', import.meta.url));
  const script = `import(${JSON.stringify(clientJs)}).then(async ({ BoxifyClient }) => {
    try { await new BoxifyClient({ socketPath: ${JSON.stringify(socket)} }).ping(); console.log('connected'); }
    catch (e) { console.log(e.code + '|' + e.message); }
  })`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  t.is(r.stdout.trim(), `forbidden|permission denied on ${socket}: run as root (sudo boxify) or join the boxify group`, r.stderr);
});

test('logs demultiplexes framed output and passes raw (TTY) output through', async (t) => {
  let tty = false;
  const { socket } = await fakeDaemon(t, (req, res) => {
    const url = req.url!;
    if (url.startsWith('/containers/mux/logs')) {
      res.writeHead(200, { 'Content-Type': MUX_STREAM });
      const all = Buffer.concat([muxFrame(1, 'out1\n'), muxFrame(2, 'err1\n'), muxFrame(1, 'out2\n')]);
      // Split mid-header and mid-payload.
      res.write(all.subarray(0, 5));
      res.write(all.subarray(5, 17));
      res.end(all.subarray(17));
      return;
    }
    if (url.startsWith('/containers/raw/logs')) {
      res.writeHead(200, { 'Content-Type': RAW_STREAM });
      return void res.end('raw bytes\r\n');
    }
    if (url.startsWith('/containers/old/logs')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return void res.end(tty ? 'tty text' : muxFrame(2, 'framed'));
    }
    if (url === '/containers/old/json') return json(res, 200, { Config: { Tty: tty } });
    if (url.startsWith('/containers/sys/logs')) {
      res.writeHead(200, { 'Content-Type': MUX_STREAM });
      return void res.end(muxFrame(3, 'log file is gone'));
    }
    if (url.startsWith('/containers/nope/logs')) return json(res, 404, { message: 'No such container: nope' });
    json(res, 404, { message: 'no' });
  });
  const c = new BoxifyClient({ socketPath: socket });
  t.teardown(() => c.close());
  const collect = async (ref: string) => {
    const out: string[] = [];
    for await (const r of c.logs(ref, { tail: 10, timestamps: true })) out.push(`${r.stream}:${r.data.toString()}`);
    return out;
  };
  t.deepEqual(await collect('mux'), ['stdout:out1\n', 'stderr:err1\n', 'stdout:out2\n']);
  t.deepEqual(await collect('raw'), ['stdout:raw bytes\r\n']);
  t.deepEqual(await collect('old'), ['stderr:framed']);
  tty = true;
  t.deepEqual(await collect('old'), ['stdout:tty text']);
  await t.throwsAsync(collect('sys'), { message: 'boxifyd: log file is gone' });
  await t.throwsAsync(collect('nope'), { message: 'No such container: nope' });
});

test('a followed log ends quietly when the signal aborts', async (t) => {
  const { socket } = await fakeDaemon(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': MUX_STREAM });
    res.write(muxFrame(1, 'first\n'));
    // ...and never ends, like a running container's log.
  });
  const c = new BoxifyClient({ socketPath: socket });
  t.teardown(() => c.close());
  const abort = new AbortController();
  const got: string[] = [];
  for await (const r of c.logs('x', { follow: true, signal: abort.signal })) {
    got.push(r.data.toString());
    abort.abort();
  }
  t.deepEqual(got, ['first\n']);
});

test('execStartCollect gathers stdout and stderr of a non-hijacked exec start', async (t) => {
  const { socket, requests } = await fakeDaemon(t, (req, res) => {
    if (req.url === '/containers/c1/exec') return json(res, 201, { Id: 'e1' });
    if (req.url === '/exec/e1/start') {
      res.writeHead(200, { 'Content-Type': MUX_STREAM });
      res.write(muxFrame(1, 'a'));
      res.write(muxFrame(2, 'b'));
      return void res.end(muxFrame(1, 'c'));
    }
    if (req.url === '/exec/e1/json') return json(res, 200, { ID: 'e1', Running: false, ExitCode: 4 });
    json(res, 404, { message: 'no' });
  });
  const c = new BoxifyClient({ socketPath: socket });
  t.teardown(() => c.close());
  const { Id } = await c.execCreate('c1', { Cmd: ['ls'], AttachStdout: true, AttachStderr: true });
  const out = await c.execStartCollect(Id);
  t.is(out.stdout.toString(), 'ac');
  t.is(out.stderr.toString(), 'b');
  t.is((await c.execInspect(Id)).ExitCode, 4);
  t.true(requests.includes('POST /exec/e1/start {"Detach":false,"Tty":false}'));
});
