// Pull progress (state -> lines), the image commands' argument handling against a fake
// client, and the client's image calls against a fake daemon on a Unix socket (NDJSON
// parsing, an error inside the stream, a streamed upload body).
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { BoxifyError, errors } from '../../src/core/errors.js';
import { BoxifyClient, type JsonMessage } from '../../src/tui/client.js';
import type { CliContext } from '../../src/tui/cli/context.js';
import {
  applyPullMessage,
  emptyPullState,
  plainPullLine,
  progressBar,
  removeLines,
  renderPullLines,
  splitRepoTag,
  TerminalProgress,
  type PullState,
} from '../../src/tui/cli/images.js';
import { runCli } from '../../src/tui/cli/index.js';

const PULL: JsonMessage[] = [
  { status: 'Pulling from test/app', id: 'v1' },
  { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' },
  { status: 'Already exists', id: 'bbbbbbbbbbbb' },
  { status: 'Pulling fs layer', id: 'cccccccccccc' },
  { status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 500_000, total: 2_000_000 } },
  { status: 'Downloading', id: 'cccccccccccc', progressDetail: { current: 10, total: 100 } },
  { status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 1_000_000, total: 2_000_000 } },
  { status: 'Pull complete', id: 'cccccccccccc' },
];

const fold = (msgs: JsonMessage[]): PullState => msgs.reduce(applyPullMessage, emptyPullState());

test('progressBar draws docker\'s bar with decimal sizes', (t) => {
  t.is(progressBar(0, 100, 10), '[          ]  0B/100B');
  t.is(progressBar(50, 100, 10), '[====>     ]  50B/100B');
  t.is(progressBar(1_000_000, 2_000_000, 10), '[====>     ]  1MB/2MB');
  t.is(progressBar(100, 100, 10), '[==========]  100B/100B');
  t.is(progressBar(150, 100, 4), '[====]  150B/100B', 'more than the total is a full bar');
  t.is(progressBar(5, 0, 4), '[    ]  5B/0B', 'an unknown total shows an empty bar');
});

test('one line per layer, in first-seen order, each replaced by its latest message', (t) => {
  const lines = renderPullLines(fold(PULL), 120);
  t.deepEqual(lines, [
    'v1: Pulling from test/app',
    `aaaaaaaaaaaa: Downloading ${progressBar(1_000_000, 2_000_000, 50)}`,
    'bbbbbbbbbbbb: Already exists',
    'cccccccccccc: Pull complete',
  ]);
  // Messages without an id are lines of their own, after the layers.
  const done = fold([...PULL, { status: 'Digest: sha256:abc' }, { status: 'Status: Downloaded newer image for x:1' }]);
  t.deepEqual(renderPullLines(done, 120).slice(4), ['Digest: sha256:abc', 'Status: Downloaded newer image for x:1']);
});

test('lines fit the terminal: the bar narrows, then goes, and nothing is longer than columns - 1', (t) => {
  const state = fold(PULL.slice(0, 5));
  for (const cols of [200, 80, 60, 40, 20, 5]) {
    const lines = renderPullLines(state, cols);
    t.is(lines.length, 4);
    for (const l of lines) t.true(l.length <= cols - 1, `"${l}" fits ${cols} columns`);
  }
  t.true(renderPullLines(state, 80)[1]!.includes('['), 'a bar at 80 columns');
  t.is(renderPullLines(state, 40)[1], 'aaaaaaaaaaaa: Downloading', 'no bar at 40 columns');
});

test('without a terminal: a line per change of status, byte counts never', (t) => {
  let state = emptyPullState();
  const out: string[] = [];
  for (const m of PULL) {
    const line = plainPullLine(state, m);
    if (line) out.push(line);
    state = applyPullMessage(state, m);
  }
  t.deepEqual(out, [
    'v1: Pulling from test/app',
    'aaaaaaaaaaaa: Pulling fs layer',
    'bbbbbbbbbbbb: Already exists',
    'cccccccccccc: Pulling fs layer',
    'aaaaaaaaaaaa: Downloading',
    'cccccccccccc: Downloading',
    'cccccccccccc: Pull complete',
  ]);
});

test('TerminalProgress redraws in place: up over what it drew, each line cleared', (t) => {
  let written = '';
  const out = new Writable({ write: (c, _e, cb) => ((written += c.toString()), cb()) });
  const p = new TerminalProgress(out, () => 80);
  p.draw(fold(PULL.slice(0, 2)));
  t.is(written, '\x1b[2K\rv1: Pulling from test/app\n\x1b[2K\raaaaaaaaaaaa: Pulling fs layer\n');
  written = '';
  p.draw(fold(PULL.slice(0, 3)));
  t.true(written.startsWith('\x1b[2A'), 'moves up the two lines drawn before');
  t.is(written.split('\n').length - 1, 3);
});

test('splitRepoTag and rmi lines', (t) => {
  t.deepEqual(splitRepoTag('mybox:1'), { repo: 'mybox', tag: '1' });
  t.deepEqual(splitRepoTag('localhost:5000/a/b'), { repo: 'localhost:5000/a/b' });
  t.deepEqual(splitRepoTag('localhost:5000/a/b:v2'), { repo: 'localhost:5000/a/b', tag: 'v2' });
  t.throws(() => splitRepoTag('x@sha256:' + 'a'.repeat(64)), { message: /digest/ });
  t.throws(() => splitRepoTag('UPPER'), { message: /invalid reference format "UPPER"/ });
  t.is(removeLines([{ Untagged: 'a:1' }, { Deleted: 'sha256:ff' }]), 'Untagged: a:1\nDeleted: sha256:ff\n');
});

// ---- commands against a fake client ----

function capture() {
  let text = '';
  const stream = new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) });
  return { stream, text: () => text };
}

function ctxWith(client: Partial<BoxifyClient>, stdin = ''): { ctx: CliContext; out: () => string; err: () => string } {
  const out = capture();
  const err = capture();
  const ctx: CliContext = {
    client: client as BoxifyClient,
    stdin: Readable.from([stdin]),
    stdout: out.stream,
    stderr: err.stream,
    cwd: tmpdir(),
    stdinIsTTY: false,
    stdoutIsTTY: false,
  };
  return { ctx, out: out.text, err: err.text };
}

test('rmi: a conflict names the containers that use the image; the other images are still removed', async (t) => {
  const img = 'sha256:' + 'e'.repeat(64);
  const removed: string[] = [];
  const { ctx, out, err } = ctxWith({
    removeImage: async (ref: string) => {
      if (ref === 'used:1') throw errors.conflict(`conflict: unable to remove repository reference "used:1" (must force) - a container is using its referenced image eeeeeeeeeeee`);
      if (ref === 'nope') throw errors.noSuchImage('nope');
      removed.push(ref);
      return [{ Untagged: `${ref}` }, { Deleted: 'sha256:1' }];
    },
    inspectImage: async () => ({ Id: img }) as never,
    listContainers: async () => [{ Id: 'c'.repeat(64), Names: ['/web'], ImageID: img }, { Id: 'd'.repeat(64), Names: ['/other'], ImageID: 'sha256:x' }] as never,
  });
  const code = await runCli(['rmi', 'used:1', 'free:1', 'nope'], ctx);
  t.is(code, 125);
  t.deepEqual(removed, ['free:1']);
  t.is(out(), 'Untagged: free:1\nDeleted: sha256:1\n');
  t.regex(err(), /conflict: .*used:1.*\(used by container web; remove it first, or use -f\)\n/);
  t.regex(err(), /No such image: nope\n/);
  t.notRegex(err(), /other/);
});

test('image prune asks first and does nothing without a yes; -f does not ask', async (t) => {
  let calls = 0;
  const client = {
    pruneImages: async (o: { all?: boolean }) => {
      calls++;
      return { ImagesDeleted: o.all ? [{ Untagged: 'a:1' }, { Deleted: 'sha256:aa' }] : [], SpaceReclaimed: 2_500_000 };
    },
  };
  const no = ctxWith(client, '\n');
  t.is(await runCli(['image', 'prune'], no.ctx), 0);
  t.is(calls, 0);
  t.regex(no.out(), /WARNING! This will remove all dangling images\.\nAre you sure you want to continue\? \[y\/N\]/);

  const yes = ctxWith(client, 'y\n');
  t.is(await runCli(['image', 'prune', '-a'], yes.ctx), 0);
  t.is(calls, 1);
  t.regex(yes.out(), /Deleted Images:\nuntagged: a:1\ndeleted: sha256:aa\n\nTotal reclaimed space: 2.5MB\n$/);

  const forced = ctxWith(client);
  t.is(await runCli(['image', 'prune', '-f'], forced.ctx), 0);
  t.is(forced.out(), 'Total reclaimed space: 2.5MB\n');
});

test('image subcommands: help, unknown names, usage errors point at the subcommand', async (t) => {
  const a = ctxWith({});
  t.is(await runCli(['image'], a.ctx), 0);
  t.regex(a.out(), /Commands:\n {2}ls +List images\n/);
  const b = ctxWith({});
  t.is(await runCli(['image', 'frobnicate'], b.ctx), 1);
  t.regex(b.err(), /unknown command "image frobnicate"\nSee 'boxify image --help'/);
  const c = ctxWith({});
  t.is(await runCli(['image', 'tag', 'only-one'], c.ctx), 1);
  t.regex(c.err(), /requires exactly 2 arguments.*\nSee 'boxify image tag --help'/);
  const d = ctxWith({});
  t.is(await runCli(['image', 'rm', '--help'], d.ctx), 0);
  t.regex(d.out(), /Usage: {2}boxify image rm \[OPTIONS\] IMAGE/);
});

test('load and import name a missing or unreadable file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bxt-cli-images-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'nope.tar');
  const client = { loadImage: async () => t.fail('no request for a missing file') as never, importImage: async () => t.fail('no request') as never };
  const a = ctxWith(client);
  t.is(await runCli(['load', '-i', missing], a.ctx), 125);
  t.is(a.err(), `boxify: cannot open archive ${missing}: no such file or directory\n`);
  const b = ctxWith(client);
  t.is(await runCli(['image', 'import', dir, 'x:1'], b.ctx), 125);
  t.is(b.err(), `boxify: ${dir} is a directory: give the tarball file (a tar archive)\n`);
  const c = ctxWith(client);
  writeFileSync(join(dir, 'f.tar'), '');
  t.is(await runCli(['image', 'import', join(dir, 'f.tar'), 'Bad:Name'], c.ctx), 125);
  t.regex(c.err(), /invalid reference format "Bad:Name"/);
});

test('pull prints status lines and the canonical name when stdout is not a terminal; -q only the name', async (t) => {
  const client = {
    pullImage: async (_ref: string, o: { onProgress?: (m: JsonMessage) => void }) => {
      for (const m of PULL) o.onProgress?.(m);
    },
  };
  const a = ctxWith(client);
  t.is(await runCli(['pull', 'test/app:v1'], a.ctx), 0);
  t.true(a.out().startsWith('v1: Pulling from test/app\naaaaaaaaaaaa: Pulling fs layer\n'));
  t.true(a.out().endsWith('cccccccccccc: Pull complete\ndocker.io/test/app:v1\n'));
  t.notRegex(a.out(), /\x1b|\d+B\//);
  const q = ctxWith(client);
  t.is(await runCli(['pull', '-q', 'alpine'], q.ctx), 0);
  t.is(q.out(), 'docker.io/library/alpine:latest\n');
});

// ---- the client against a fake daemon ----

async function fakeDaemon(t: import('ava').ExecutionContext, handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void): Promise<BoxifyClient> {
  const dir = mkdtempSync(join(tmpdir(), 'bxt-client-images-'));
  const socket = join(dir, 'd.sock');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(socket, r));
  const client = new BoxifyClient({ socketPath: socket });
  t.teardown(() => {
    client.close();
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return client;
}

test('pullImage passes each NDJSON message on, split across chunks, and throws the errorDetail message', async (t) => {
  let url = '';
  const client = await fakeDaemon(t, (req, res) => {
    url = req.url ?? '';
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const text = `${JSON.stringify({ status: 'Pulling fs layer', id: 'abc' })}\n${JSON.stringify({ status: 'Downloading', id: 'abc', progressDetail: { current: 1, total: 2 } })}\n`;
    res.write(text.slice(0, 17));
    res.write(text.slice(17));
    res.end(JSON.stringify({ errorDetail: { message: 'layer sha256:abc: digest mismatch' }, error: 'layer sha256:abc: digest mismatch' }) + '\n');
  });
  const seen: JsonMessage[] = [];
  const err = await t.throwsAsync(client.pullImage('127.0.0.1:5000/x:1', { insecure: true, onProgress: (m) => seen.push(m) }));
  t.true(err instanceof BoxifyError);
  t.is(err!.message, 'layer sha256:abc: digest mismatch');
  t.deepEqual(seen.map((m) => m.status), ['Pulling fs layer', 'Downloading']);
  t.is(url, '/images/create?fromImage=127.0.0.1%3A5000%2Fx%3A1&insecure=1');
});

test('pullImage: a 404 before the stream is a not_found error with the daemon\'s text', async (t) => {
  const client = await fakeDaemon(t, (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'manifest unknown: x:1' }));
  });
  const err = await t.throwsAsync(client.pullImage('x:1'));
  t.is((err as BoxifyError).code, 'not_found');
  t.is(err!.message, 'manifest unknown: x:1');
});

test('loadImage and importImage stream the body and read the answers', async (t) => {
  const bodies: Record<string, string> = {};
  const client = await fakeDaemon(t, (req, res, body) => {
    bodies[req.url ?? ''] = `${req.headers['transfer-encoding']}:${body.toString()}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (req.url === '/images/load') {
      res.end(`${JSON.stringify({ stream: 'Loaded image: a:1\n' })}\n${JSON.stringify({ stream: 'Loaded image ID: sha256:ff\n' })}\n`);
    } else {
      res.end(`${JSON.stringify({ status: `sha256:${'a'.repeat(64)}` })}\n`);
    }
  });
  t.deepEqual(await client.loadImage(Readable.from([Buffer.from('part1-'), Buffer.from('part2')])), ['a:1', 'sha256:ff']);
  t.is(bodies['/images/load'], 'chunked:part1-part2');
  t.is(await client.importImage(Readable.from([Buffer.from('tar')]), 'my/box', '1'), `sha256:${'a'.repeat(64)}`);
  t.is(bodies['/images/create?fromSrc=-&repo=my%2Fbox&tag=1'], 'chunked:tar');
});

test('an upload the daemon refuses early reports the daemon\'s error, not a broken pipe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bxt-client-refuse-'));
  const socket = join(dir, 'd.sock');
  // Answers at once without reading the body, then closes the connection.
  const server = http.createServer((_req, res) => {
    res.writeHead(400, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify({ message: 'invalid archive: not a tar' }));
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = new BoxifyClient({ socketPath: socket });
  const big = Readable.from((function* () {
    for (let i = 0; i < 200; i++) yield Buffer.alloc(64 * 1024, 1);
  })());
  const err = await t.throwsAsync(client.loadImage(big));
  t.is(err!.message, 'invalid archive: not a tar');
  t.is((err as BoxifyError).code, 'invalid_argument');
});
