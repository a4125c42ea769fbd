// /containers/...: the container lifecycle in Docker's shapes, mapped onto ContainerManager.
import { LOG_COUNT_HEADER, type ContainerCreateRequest, type ContainerUpdateRequest } from '../../core/api/types.js';
import { errors } from '../../core/errors.js';
import { followLogRecords, readLogRecords, type LogRecord } from '../../core/containers/logs.js';
import { guard } from '../../core/containers/record.js';
import type { StatsSample } from '../../core/stats.js';
import type { DaemonContext } from '../context.js';
import { queryBool, queryInt, reply, type Router } from '../router.js';
import { commonHeaders } from '../server.js';
import { frame, MULTIPLEXED, openClientStream, RAW_STREAM } from '../streams.js';
import type { LogStream } from '../../core/containers/logs.js';
import type { RequestContext } from '../router.js';
import { parseFilters } from './system.js';

export function registerContainerRoutes(router: Router, d: DaemonContext): void {
  const c = d.containers;

  router.get('/containers/json', (ctx) => {
    const all = queryBool(ctx.query, 'all');
    const f = parseFilters(ctx.query.get('filters'));
    let list = c.list(all || !!f.status);
    if (f.status) list = list.filter((s) => f.status!.includes(s.State));
    if (f.name) list = list.filter((s) => f.name!.some((n) => s.Names[0]!.slice(1).includes(n.replace(/^\//, ''))));
    if (f.id) list = list.filter((s) => f.id!.some((p) => s.Id.startsWith(p)));
    if (f.label) {
      list = list.filter((s) =>
        f.label!.every((l) => {
          const [k, v] = l.split('=', 2) as [string, string | undefined];
          return k in s.Labels && (v === undefined || s.Labels[k] === v);
        }),
      );
    }
    if (f.ancestor) list = list.filter((s) => f.ancestor!.some((a) => s.Image === a || s.ImageID.includes(a)));
    const limit = queryInt(ctx.query, 'limit');
    if (limit && limit > 0) list = list.slice(0, limit);
    return list;
  });

  router.post('/containers/create', async (ctx) => {
    const body = await ctx.json<ContainerCreateRequest>();
    const name = ctx.query.get('name') ?? undefined;
    return reply(201, await c.create(body, name || undefined));
  });

  router.get('/containers/:id/json', (ctx) => c.inspect(ctx.params.id!));

  router.post('/containers/:id/start', async (ctx) => {
    const r = await c.start(ctx.params.id!);
    return reply(r === 'already-running' ? 304 : 204);
  });

  router.post('/containers/:id/stop', async (ctx) => {
    const r = await c.stop(ctx.params.id!, { timeout: queryInt(ctx.query, 't'), signal: ctx.query.get('signal') ?? undefined });
    return reply(r === 'not-running' ? 304 : 204);
  });

  router.post('/containers/:id/restart', async (ctx) => {
    await c.restart(ctx.params.id!, queryInt(ctx.query, 't'));
    return reply(204);
  });

  router.post('/containers/:id/kill', async (ctx) => {
    await c.kill(ctx.params.id!, ctx.query.get('signal') || 'SIGKILL');
    return reply(204);
  });

  router.post('/containers/:id/pause', async (ctx) => {
    await c.pause(ctx.params.id!);
    return reply(204);
  });

  router.post('/containers/:id/unpause', async (ctx) => {
    await c.unpause(ctx.params.id!);
    return reply(204);
  });

  router.post('/containers/:id/update', async (ctx) => {
    const body = await ctx.json<ContainerUpdateRequest>();
    return c.update(ctx.params.id!, body);
  });

  router.post('/containers/:id/rename', (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw errors.invalid('name', 'a new name is required (?name=...)');
    c.rename(ctx.params.id!, name);
    return reply(204);
  });

  router.post('/containers/:id/resize', (ctx) => {
    const rec = c.resolve(ctx.params.id!);
    const h = queryInt(ctx.query, 'h');
    const w = queryInt(ctx.query, 'w');
    if (!h || !w || h < 1 || w < 1) throw errors.invalid('h', 'h and w must be positive integers (rows and columns)');
    c.io(rec.id).resize(h, w);
    return reply(200);
  });

  router.post('/containers/:id/attach', (ctx) => attach(ctx, d));

  router.get('/containers/:id/top', (ctx) => c.top(ctx.params.id!));

  router.post('/containers/:id/wait', async (ctx) => {
    const cond = ctx.query.get('condition') || 'not-running';
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) {
      throw errors.invalid('condition', `"${cond}" is not one of not-running, next-exit, removed`);
    }
    // Register the waiter first, then answer the headers at once: `docker run` blocks on them
    // before it starts the container.
    const done = c.wait(ctx.params.id!, cond as 'not-running');
    const res = ctx.res!;
    res.writeHead(200, { ...commonHeaders(ctx.apiVersion), 'Content-Type': 'application/json' });
    res.flushHeaders();
    let closed = false;
    res.once('close', () => (closed = true));
    const code = await done;
    if (!closed) res.end(JSON.stringify({ StatusCode: code, Error: null }) + '\n');
  });

  router.delete('/containers/:id', async (ctx) => {
    await c.remove(ctx.params.id!, { force: queryBool(ctx.query, 'force'), volumes: queryBool(ctx.query, 'v') });
    return reply(204);
  });

  router.get('/containers/:id/logs', async (ctx) => {
    const rec = c.resolve(ctx.params.id!);
    const q = ctx.query;
    const stdout = queryBool(q, 'stdout');
    const stderr = queryBool(q, 'stderr');
    if (!stdout && !stderr) throw errors.invalid('stdout', 'you must choose at least one stream (stdout=1 or stderr=1)');
    const tailRaw = q.get('tail');
    let tail: number | undefined;
    if (tailRaw && tailRaw !== 'all') {
      tail = Number(tailRaw);
      if (!Number.isInteger(tail) || tail < 0) throw errors.invalid('tail', `"${tailRaw}" is not a number of lines or "all"`);
    }
    const since = parseTime(q.get('since'), 'since');
    const until = parseTime(q.get('until'), 'until');
    const timestamps = queryBool(q, 'timestamps');
    const follow = queryBool(q, 'follow');
    const tty = rec.config.Tty;
    const opts = { stdout, stderr, tail, since, until };
    const file = c.logPath(rec.id);
    const res = ctx.res!;
    const { records, total, offset } = readLogRecords(file, opts);
    // Boxify's addition: how many records matched before `tail` (the TUI says "last N of M").
    res.writeHead(200, { ...commonHeaders(ctx.apiVersion), 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED, [LOG_COUNT_HEADER]: String(total) });
    const send = (r: LogRecord) => {
      const text = timestamps ? `${r.time} ${r.log}` : r.log;
      res.write(tty ? text : frame(r.stream === 'stdout' ? 1 : 2, text));
    };
    for (const r of records) send(r);
    const live = c.resolve(rec.id).state.status === 'running';
    if (!follow || !live) {
      res.end();
      return;
    }
    res.flushHeaders();
    const stop = new AbortController();
    res.once('close', () => stop.abort());
    // Follow until the container stops (then drain what it wrote last) or the client leaves.
    void c.wait(rec.id, 'not-running').then(() => setTimeout(() => stop.abort(), 200));
    await followLogRecords(file, offset, { ...opts, tail: undefined }, send, stop.signal);
    res.end();
  });

  router.get('/containers/:id/stats', async (ctx) => {
    const rec = c.resolve(ctx.params.id!);
    const stream = queryBool(ctx.query, 'stream', true);
    const oneShot = queryBool(ctx.query, 'one-shot');
    const res = ctx.res!;
    res.writeHead(200, { ...commonHeaders(ctx.apiVersion), 'Content-Type': 'application/json' });
    let prev: StatsSample | undefined;
    if (!stream) {
      let cur = c.sample(rec.id);
      if (!oneShot) {
        // Docker waits for a second sample so that precpu_stats is filled.
        await new Promise((r) => setTimeout(r, 1000));
        prev = cur;
        cur = c.sample(rec.id);
      }
      res.end(JSON.stringify(c.dockerStats(rec.id, cur, prev)) + '\n');
      return;
    }
    res.flushHeaders();
    let closed = false;
    res.once('close', () => (closed = true));
    while (!closed) {
      let cur: StatsSample;
      try {
        cur = c.sample(rec.id);
      } catch {
        break; // removed
      }
      res.write(JSON.stringify(c.dockerStats(rec.id, cur, prev)) + '\n');
      prev = cur;
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });
}

/** Docker's since/until: Unix seconds (fractions allowed) or an RFC 3339 time. */
function parseTime(v: string | null, field: string): number | undefined {
  if (v === null || v === '' || v === '0') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw errors.invalid(field, `"${v}" is not a Unix time or an RFC 3339 date`);
  return t / 1000;
}

/** Docker's default detach sequence: ctrl-p ctrl-q. */
const DEFAULT_DETACH_KEYS = Buffer.from([0x10, 0x11]);

/** `--detach-keys` syntax: "ctrl-p,ctrl-q", "a,ctrl-x"... */
export function parseDetachKeys(spec: string | null): Buffer {
  if (!spec) return DEFAULT_DETACH_KEYS;
  const bytes = spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@\[\\\]^_])$/.exec(k.trim());
    if (m) return m[1]!.charCodeAt(0) & 0x1f;
    if (k.trim().length === 1) return k.trim().charCodeAt(0);
    throw errors.invalid('detachKeys', `"${k}" is not a key: use a letter or ctrl-<letter>, comma separated`);
  });
  return Buffer.from(bytes);
}

/**
 * POST /containers/{id}/attach: the container's output (and, with logs=1, what it printed
 * before) to the client; the client's bytes to the container's stdin. The detach keys end
 * the attachment and leave the container running.
 */
function attach(ctx: RequestContext, d: DaemonContext): void {
  const c = d.containers;
  const rec = c.resolve(ctx.params.id!);
  guard.canAttach(rec);
  const q = ctx.query;
  const tty = rec.config.Tty;
  const wantOut = queryBool(q, 'stdout');
  const wantErr = queryBool(q, 'stderr');
  const wantIn = queryBool(q, 'stdin');
  const detachKeys = parseDetachKeys(q.get('detachKeys'));
  const io = c.io(rec.id);
  const out = openClientStream(ctx, tty);
  const send = (stream: LogStream, b: Buffer) => {
    if (stream === 'stdout' ? !wantOut : !wantErr) return;
    out.write(tty ? b : frame(stream === 'stdout' ? 1 : 2, b));
  };
  if (queryBool(q, 'logs')) {
    for (const r of readLogRecords(c.logPath(rec.id), { stdout: wantOut, stderr: wantErr }).records) send(r.stream, Buffer.from(r.log));
  }
  const status = c.resolve(rec.id).state.status;
  if (!queryBool(q, 'stream') || (status !== 'running' && status !== 'created')) {
    out.end();
    return;
  }
  const onData = (stream: LogStream, b: Buffer) => send(stream, b);
  const onEnd = () => out.end();
  io.on('data', onData);
  io.once('end', onEnd);
  out.onClose(() => {
    io.off('data', onData);
    io.off('end', onEnd);
  });
  if (wantIn) {
    let matched = 0;
    let detached = false;
    out.onInput(
      (b) => {
        // Watch for the detach sequence across chunk boundaries; bytes of a partial match
        // are held back until it is clear they are input.
        if (detached) return;
        const pass: number[] = [];
        for (const byte of b) {
          if (byte === detachKeys[matched]) {
            matched++;
            if (matched === detachKeys.length) {
              if (pass.length) io.writeStdin(Buffer.from(pass));
              // Detaching leaves stdin open: the container goes on as if nobody left.
              detached = true;
              out.end();
              return;
            }
            continue;
          }
          if (matched) {
            pass.push(...detachKeys.subarray(0, matched));
            matched = byte === detachKeys[0] ? 1 : 0;
            if (matched) continue;
          }
          pass.push(byte);
        }
        if (pass.length) io.writeStdin(Buffer.from(pass));
      },
      () => {
        // As Docker does: the client closing its input closes the container's stdin only
        // without a TTY (StdinOnce). With a TTY it ends the attachment instead: that is how
        // the docker CLI detaches, seeing the detach keys itself.
        if (tty) out.end();
        else if (rec.config.StdinOnce && !detached) io.closeStdin();
      },
    );
  }
}
