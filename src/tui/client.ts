// The one typed client of boxifyd's Docker-shaped API, used by the CLI and the TUI alike.
// Plain node:http over the Unix socket with a keep-alive agent (one connection reused for
// a burst of calls). Every non-2xx answer becomes a BoxifyError rebuilt from the status and
// `{message}`, so callers tell a user's mistake from a bug by `err.isUserError`.
import http from 'node:http';
import type net from 'node:net';
import type { Readable } from 'node:stream';
import type { EnterTarget } from '../core/sys/enter.js';
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerStats,
  ContainerSummary,
  ContainerUpdateRequest,
  ContainerUpdateResponse,
  ExecCreateRequest,
  ExecInspect,
  ImageSummary,
  VersionResponse,
  WaitResponse,
} from '../core/api/types.js';
import { LOG_COUNT_HEADER } from '../core/api/types.js';
import { BoxifyError, codeForStatus } from '../core/errors.js';

export const DEFAULT_SOCKET = '/var/run/boxify.sock';

/** GET /boxify/containers/{id}/nsenter: how to enter the container with its confinement. */
export type NsenterInfo = EnterTarget & { env: string[]; user: string };

export type StreamName = 'stdout' | 'stderr';

/** One message of Docker's JSON stream (pull progress, load and import answers). */
export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  errorDetail?: { message?: string };
  error?: string;
}

/** `DELETE /images/{name}`: one entry per name dropped and per image deleted. */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface ImagePruneResponse {
  ImagesDeleted: ImageDeleteItem[] | null;
  SpaceReclaimed: number;
}

/** `GET /images/{name}/json` (the fields the CLI reads; the daemon sends Docker's full shape). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: string;
  Config: {
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    Env: string[] | null;
    WorkingDir: string;
    User: string;
    [k: string]: unknown;
  };
  Architecture: string;
  Os: string;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
  [k: string]: unknown;
}

export interface LogRecord {
  stream: StreamName;
  data: Buffer;
}

export interface LogsOptions {
  follow?: boolean;
  tail?: number | 'all';
  timestamps?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Only records at or after / at or before this time (RFC 3339 or Unix seconds). */
  since?: string;
  until?: string;
  signal?: AbortSignal;
  /** Called with the number of records the log holds before `tail` cut it (boxifyd says so in a header). */
  onCount?: (total: number) => void;
}

/** One message of GET /events (Docker's shape). */
export interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
  status?: string;
  id?: string;
  from?: string;
}

/** GET /volumes entries (Docker's shape; UsageData only when the daemon measured it). */
export interface VolumeSummary {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Scope?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

/** GET /networks entries (Docker's shape). */
export interface NetworkSummary {
  Name: string;
  Id: string;
  Driver: string;
  Scope?: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
  Containers?: Record<string, { Name?: string; IPv4Address?: string }> | null;
  Labels?: Record<string, string> | null;
}



export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Replay what the container printed before, then stream. */
  logs?: boolean;
  /** Docker's syntax, e.g. "ctrl-p,ctrl-q" (the daemon's default). */
  detachKeys?: string;
}

/**
 * A hijacked connection after its `101 UPGRADED`: the container's (or exec's) output comes
 * in raw with a TTY, else framed (see `Demuxer`); bytes written go to its stdin, and
 * `socket.end()` says end-of-input.
 */
export interface Hijacked {
  socket: net.Socket;
  tty: boolean;
}

// ---- Docker's multiplexed stream ----------------------------------------------------------
// Without a TTY, output is framed: [stream, 0, 0, 0, size uint32 BE] then `size` bytes.
// Stream 0 (stdin) is shown as stdout, as docker's stdcopy does; 3 carries an error text.

export interface MuxFrame {
  stream: StreamName | 'system';
  data: Buffer;
}

const HEADER = 8;

/**
 * Splits `buf` into whole frames; `rest` is the incomplete tail to prepend to the next
 * chunk. Pure: call it with `Buffer.concat([rest, chunk])` as bytes arrive.
 */
export function demuxFrames(buf: Buffer): { frames: MuxFrame[]; rest: Buffer } {
  const frames: MuxFrame[] = [];
  let off = 0;
  while (buf.length - off >= HEADER) {
    const size = buf.readUInt32BE(off + 4);
    if (buf.length - off - HEADER < size) break;
    const type = buf[off]!;
    const stream: MuxFrame['stream'] = type === 2 ? 'stderr' : type === 3 ? 'system' : 'stdout';
    frames.push({ stream, data: buf.subarray(off + HEADER, off + HEADER + size) });
    off += HEADER + size;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Encodes one frame (the daemon's side, and tests). */
export function muxFrame(stream: 0 | 1 | 2 | 3, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const head = Buffer.alloc(HEADER);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * Incremental demultiplexer over `demuxFrames`. Chunks are held as a list until a whole frame
 * is there, so a large frame arriving in small pieces is copied once, not once per piece.
 */
export class Demuxer {
  private chunks: Buffer[] = [];
  private held = 0;

  push(chunk: Buffer): MuxFrame[] {
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held < HEADER) return [];
    // Make the first chunk hold a whole header (one copy, only when it is short).
    if (this.chunks[0]!.length < HEADER) this.chunks = [Buffer.concat(this.chunks, this.held)];
    if (this.held < HEADER + this.chunks[0]!.readUInt32BE(4)) return [];
    const { frames, rest } = demuxFrames(Buffer.concat(this.chunks, this.held));
    // Copy the tail: it may be a view of a large chunk we would otherwise keep alive.
    this.chunks = rest.length ? [Buffer.from(rest)] : [];
    this.held = rest.length;
    return frames;
  }

  /** Bytes of an incomplete frame still held (non-zero at the end means a truncated stream). */
  get pending(): number {
    return this.held;
  }
}

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MUX_STREAM = 'application/vnd.docker.multiplexed-stream';

// ---- the client -----------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Statuses besides 2xx that are not errors (e.g. 304 for start/stop). */
  ok?: number[];
}

const enc = encodeURIComponent;

export class BoxifyClient {
  readonly socketPath: string;
  private readonly agent: http.Agent;

  constructor(opts: { socketPath?: string } = {}) {
    this.socketPath = opts.socketPath ?? process.env.BOXIFY_SOCKET ?? DEFAULT_SOCKET;
    // Idle keep-alive sockets are unref'd by the agent, so they never hold the process open.
    this.agent = new http.Agent({ keepAlive: true });
  }

  /** Closes idle connections (optional: they do not keep the process alive). */
  close(): void {
    this.agent.destroy();
  }

  async ping(): Promise<void> {
    await this.call('GET', '/_ping');
  }

  async version(): Promise<VersionResponse> {
    return this.json('GET', '/version');
  }

  async info(): Promise<Record<string, unknown>> {
    return this.json('GET', '/info');
  }

  async listContainers(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.json('GET', '/containers/json', { query: { all: opts.all ? 1 : undefined } });
  }

  async inspectContainer(ref: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${enc(ref)}/json`);
  }

  async createContainer(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse> {
    return this.json('POST', '/containers/create', { query: { name }, body });
  }

  async startContainer(ref: string): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/start`, { ok: [304] });
  }

  async stopContainer(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/stop`, { query: { t: opts.timeout, signal: opts.signal }, ok: [304] });
  }

  async restartContainer(ref: string, opts: { timeout?: number } = {}): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/restart`, { query: { t: opts.timeout } });
  }

  async killContainer(ref: string, signal?: string): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/kill`, { query: { signal } });
  }

  async pauseContainer(ref: string): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/pause`);
  }

  async unpauseContainer(ref: string): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/unpause`);
  }

  async updateContainer(ref: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    return this.json('POST', `/containers/${enc(ref)}/update`, { body });
  }

  async removeContainer(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('DELETE', `/containers/${enc(ref)}`, { query: { force: opts.force ? 1 : undefined } });
  }

  async waitContainer(ref: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<WaitResponse> {
    return this.json('POST', `/containers/${enc(ref)}/wait`, { query: { condition } });
  }

  /** Demultiplexed log records; follow keeps the iterator open until the container stops or the signal aborts. */
  logs(ref: string, opts: LogsOptions = {}): AsyncIterable<LogRecord> {
    const query: Query = {
      stdout: opts.stdout === false ? 0 : 1,
      stderr: opts.stderr === false ? 0 : 1,
      follow: opts.follow ? 1 : undefined,
      tail: opts.tail === undefined ? undefined : String(opts.tail),
      timestamps: opts.timestamps ? 1 : undefined,
      since: opts.since,
      until: opts.until,
    };
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        let res: http.IncomingMessage;
        try {
          res = await self.open('GET', `/containers/${enc(ref)}/logs`, { query, signal: opts.signal });
        } catch (err) {
          if (opts.signal?.aborted) return;
          throw err;
        }
        // Node gives header names in lower case.
        const countHeader = res.headers[LOG_COUNT_HEADER.toLowerCase()];
        if (opts.onCount && countHeader !== undefined && Number.isFinite(Number(countHeader))) opts.onCount(Number(countHeader));
        const type = String(res.headers['content-type'] ?? '');
        // The content type says whether the output is framed; an older daemon that does not
        // say is asked whether the container has a TTY (raw output) instead.
        const raw = type.startsWith(RAW_STREAM)
          ? true
          : type.startsWith(MUX_STREAM)
            ? false
            : (await self.inspectContainer(ref)).Config.Tty === true;
        yield* self.records(res, raw, opts.signal);
      },
    };
  }

  async stats(ref: string): Promise<ContainerStats> {
    return this.json('GET', `/containers/${enc(ref)}/stats`, { query: { stream: 0 } });
  }

  async allStats(): Promise<BoxifyStatsEntry[]> {
    return this.json('GET', '/boxify/stats');
  }

  /**
   * GET /events held open: each event as it happens (after those kept since `since`, Unix
   * seconds), until the signal aborts (or the daemon goes).
   */
  events(opts: { signal?: AbortSignal; filters?: Record<string, string[]>; since?: number; onOpen?: () => void } = {}): AsyncIterable<EventMessage> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const query: Query = { filters: opts.filters ? JSON.stringify(opts.filters) : undefined, since: opts.since };
        const res = await self.open('GET', '/events', { query, signal: opts.signal });
        opts.onOpen?.();
        yield* self.messages(res, opts.signal) as AsyncGenerator<EventMessage>;
      },
    };
  }

  async top(ref: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.json('GET', `/containers/${enc(ref)}/top`);
  }

  async listVolumes(): Promise<VolumeSummary[]> {
    const r = await this.json<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes');
    return r?.Volumes ?? [];
  }

  async createVolume(name?: string, labels?: Record<string, string>): Promise<VolumeSummary> {
    return this.json('POST', '/volumes/create', { body: { Name: name ?? '', Labels: labels } });
  }

  /** Docker's volume rm: a 409 while a container uses it, unless forced. */
  async removeVolume(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('DELETE', `/volumes/${enc(name)}`, { query: { force: opts.force ? 1 : undefined } });
  }

  /** Removes unused volumes (anonymous ones only, unless `all`). */
  async pruneVolumes(opts: { all?: boolean } = {}): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    const filters = opts.all ? JSON.stringify({ all: ['true'] }) : undefined;
    return this.json('POST', '/volumes/prune', { query: { filters } });
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    return (await this.json<NetworkSummary[] | null>('GET', '/networks')) ?? [];
  }

  async inspectNetwork(ref: string): Promise<NetworkSummary> {
    return this.json('GET', `/networks/${enc(ref)}`);
  }

  async createNetwork(name: string, opts: { subnet?: string } = {}): Promise<{ Id: string }> {
    const body: Record<string, unknown> = { Name: name };
    if (opts.subnet) body.IPAM = { Config: [{ Subnet: opts.subnet }] };
    return this.json('POST', '/networks/create', { body });
  }

  async removeNetwork(ref: string): Promise<void> {
    await this.call('DELETE', `/networks/${enc(ref)}`);
  }

  async listImages(): Promise<ImageSummary[]> {
    return this.json('GET', '/images/json');
  }

  async inspectImage(ref: string): Promise<ImageInspect> {
    return this.json('GET', `/images/${enc(ref)}/json`);
  }

  /** Docker's rmi: a 409 while a container uses the image, unless forced. */
  async removeImage(ref: string, opts: { force?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return (await this.json<ImageDeleteItem[] | null>('DELETE', `/images/${enc(ref)}`, { query: { force: opts.force ? 1 : undefined } })) ?? [];
  }

  /** Removes untagged unused images, or every unused image with `all`. */
  async pruneImages(opts: { all?: boolean } = {}): Promise<ImagePruneResponse> {
    const filters = opts.all ? JSON.stringify({ dangling: ['false'] }) : undefined;
    return this.json('POST', '/images/prune', { query: { filters } });
  }

  /** Gives `source` the name `repo[:tag]`. */
  async tagImage(source: string, repo: string, tag?: string): Promise<void> {
    await this.call('POST', `/images/${enc(source)}/tag`, { query: { repo, tag } });
  }

  /**
   * Pulls `ref` (name[:tag] or name@digest). `onProgress` gets each message of the daemon's
   * progress stream; an error the daemon reports inside the stream (after its 200) rejects
   * with that message.
   */
  async pullImage(ref: string, opts: { insecure?: boolean; onProgress?: (m: JsonMessage) => void; signal?: AbortSignal } = {}): Promise<void> {
    const res = await this.open('POST', '/images/create', { query: { fromImage: ref, insecure: opts.insecure ? 1 : undefined }, signal: opts.signal });
    for await (const m of this.messages(res, opts.signal)) opts.onProgress?.(m);
  }

  /** `docker load`: a docker-save archive or OCI layout tar as the body; the names (or IDs, for untagged images) loaded. */
  async loadImage(input: Readable): Promise<string[]> {
    const res = await this.upload('/images/load', {}, input);
    const loaded: string[] = [];
    for await (const m of this.messages(res)) {
      const line = /^Loaded image(?: ID)?: (.+)$/.exec((m.stream ?? '').trim());
      if (line) loaded.push(line[1]!);
    }
    return loaded;
  }

  /** `docker import`: a rootfs tarball (plain, gzip or xz) as the body becomes a one-layer image; its ID. */
  async importImage(input: Readable, repo?: string, tag?: string): Promise<string> {
    const res = await this.upload('/images/create', { fromSrc: '-', repo, tag }, input);
    let id = '';
    for await (const m of this.messages(res)) if (m.status) id = m.status;
    if (!/^sha256:[0-9a-f]{64}$/.test(id)) throw new BoxifyError('internal', `POST /images/create?fromSrc=-: boxifyd answered without an image ID (${id || 'nothing'})`);
    return id;
  }

  async nsenterInfo(ref: string): Promise<NsenterInfo> {
    return this.json('GET', `/boxify/containers/${enc(ref)}/nsenter`);
  }

  async execCreate(ref: string, body: ExecCreateRequest): Promise<{ Id: string }> {
    return this.json('POST', `/containers/${enc(ref)}/exec`, { body });
  }

  async execStartCollect(execId: string): Promise<{ stdout: Buffer; stderr: Buffer }> {
    const res = await this.open('POST', `/exec/${enc(execId)}/start`, { body: { Detach: false, Tty: false } });
    const raw = String(res.headers['content-type'] ?? '').startsWith(RAW_STREAM);
    const out: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
    for await (const r of this.records(res, raw)) out[r.stream].push(r.data);
    return { stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr) };
  }

  /**
   * Waits for the container with `condition` in two steps, as `docker run` does: resolves
   * once the daemon has registered the waiter (its headers arrived), so the caller can start
   * the container knowing no exit is missed; `result` resolves with the exit at the end.
   */
  async registerWait(ref: string, condition: 'not-running' | 'next-exit' | 'removed'): Promise<{ result: Promise<WaitResponse> }> {
    const path = `/containers/${enc(ref)}/wait`;
    const res = await this.open('POST', path, { query: { condition } });
    const result = (async () => {
      const chunks: Buffer[] = [];
      try {
        for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
      } catch (err) {
        throw new BoxifyError('unavailable', `lost the connection to boxifyd at ${this.socketPath}: ${(err as Error).message}`, { cause: err });
      }
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        return JSON.parse(text) as WaitResponse;
      } catch (err) {
        throw new BoxifyError('internal', `POST ${path}: boxifyd answered with invalid JSON: ${text.slice(0, 200)}`, { cause: err });
      }
    })();
    // The caller may not get to await it (an error before the container ends): no unhandled rejection.
    result.catch(() => {});
    return { result };
  }

  /** Docker's hijacked attach: the raw connection to the container's stdin and output. */
  async attach(ref: string, opts: AttachOptions = {}): Promise<Hijacked> {
    return this.hijack(`/containers/${enc(ref)}/attach`, {
      stream: 1,
      stdin: opts.stdin ? 1 : 0,
      stdout: opts.stdout === false ? 0 : 1,
      stderr: opts.stderr === false ? 0 : 1,
      logs: opts.logs ? 1 : undefined,
      detachKeys: opts.detachKeys,
    });
  }

  /** Sets a TTY container's terminal size (before start, it is the size the terminal starts with). */
  async resize(ref: string, rows: number, cols: number): Promise<void> {
    await this.call('POST', `/containers/${enc(ref)}/resize`, { query: { h: rows, w: cols } });
  }

  /**
   * Starts an exec on a hijacked connection (its stdin and output). The request goes without
   * a body: `Detach: false` is the default, and the TTY is the one given at exec create
   * (`opts.tty` must match it). boxifyd hands the bytes that follow the headers on a hijacked
   * connection to the process's stdin, so a JSON body would reach the process as input;
   * call `execResize` after this for the terminal's size.
   */
  async execStartAttach(execId: string, opts: { tty: boolean }): Promise<Hijacked> {
    const h = await this.hijack(`/exec/${enc(execId)}/start`);
    return { socket: h.socket, tty: h.tty || opts.tty };
  }

  async execResize(execId: string, rows: number, cols: number): Promise<void> {
    await this.call('POST', `/exec/${enc(execId)}/resize`, { query: { h: rows, w: cols } });
  }

  async execInspect(execId: string): Promise<ExecInspect> {
    return this.json('GET', `/exec/${enc(execId)}/json`);
  }

  // ---- plumbing ----

  /**
   * POST with `Connection: Upgrade, Upgrade: tcp` on a connection of its own (never the
   * keep-alive pool's): a `101` hands over the raw socket; any other answer is an error
   * rebuilt from its `{message}`.
   */
  private hijack(path: string, query?: Query, body?: unknown): Promise<Hijacked> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const search = qs.toString();
    const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = {
      Host: 'boxify',
      Connection: 'Upgrade',
      Upgrade: 'tcp',
      'Content-Length': payload.length,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    };
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, agent: false, method: 'POST', path: search ? `${path}?${search}` : path, headers });
      req.on('error', (err) => reject(this.connectionError(err)));
      req.on('upgrade', (res, socket, head) => {
        socket.setNoDelay(true);
        // Output that came in the same packet as the 101 goes back to be read first.
        if (head.length) socket.unshift(head);
        resolve({ socket, tty: String(res.headers['content-type'] ?? '').startsWith(RAW_STREAM) });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.connectionError(err)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          reject(
            status >= 200 && status < 300
              ? new BoxifyError('internal', `POST ${path}: boxifyd answered ${status} instead of switching to a raw stream (101)`)
              : errorFromAnswer('POST', path, status, Buffer.concat(chunks)),
          );
        });
      });
      req.end(payload);
    });
  }

  /**
   * POST with `input` streamed as the body (chunked, no size needed). An answer that comes
   * before the body is all sent (an early refusal) wins over the broken upload.
   */
  private upload(path: string, query: Query, input: Readable): Promise<http.IncomingMessage> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const search = qs.toString();
    const url = search ? `${path}?${search}` : path;
    return new Promise((resolve, reject) => {
      // A connection of its own: a refused upload leaves the socket unusable for keep-alive.
      const req = http.request({
        socketPath: this.socketPath,
        agent: false,
        method: 'POST',
        path: url,
        headers: { Host: 'boxify', 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' },
      });
      let answered = false;
      req.on('error', (err) => {
        if (!answered) reject(this.connectionError(err));
      });
      input.on('error', (err) => {
        req.destroy();
        if (!answered) reject(new BoxifyError('invalid_argument', `cannot read the input: ${err.message}`, { cause: err }));
      });
      req.on('response', (res) => {
        answered = true;
        input.unpipe(req);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.connectionError(err)));
        res.on('end', () => reject(errorFromAnswer('POST', path, status, Buffer.concat(chunks))));
      });
      input.pipe(req);
    });
  }

  /** Docker's JSON-message stream, one object at a time; `errorDetail` in it throws. */
  private async *messages(res: http.IncomingMessage, signal?: AbortSignal): AsyncGenerator<JsonMessage> {
    let buf = '';
    const parse = (line: string): JsonMessage | undefined => {
      if (!line.trim()) return undefined;
      let m: JsonMessage;
      try {
        m = JSON.parse(line) as JsonMessage;
      } catch (err) {
        throw new BoxifyError('internal', `boxifyd sent a progress message that is not JSON: ${line.slice(0, 200)}`, { cause: err });
      }
      if (m.errorDetail || m.error) throw new BoxifyError('unavailable', m.errorDetail?.message || m.error || 'the operation failed');
      return m;
    };
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const m = parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (m) yield m;
        }
      }
    } catch (err) {
      if (err instanceof BoxifyError) throw err;
      if (signal?.aborted) throw new BoxifyError('unavailable', 'the request was cancelled', { cause: err });
      throw new BoxifyError('unavailable', `lost the connection to boxifyd at ${this.socketPath}: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
    const last = parse(buf);
    if (last) yield last;
  }

  private async *records(res: http.IncomingMessage, raw: boolean, signal?: AbortSignal): AsyncGenerator<LogRecord> {
    const demux = new Demuxer();
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (raw) {
          yield { stream: 'stdout', data: chunk };
          continue;
        }
        for (const f of demux.push(chunk)) {
          if (f.stream === 'system') throw new BoxifyError('internal', `boxifyd: ${f.data.toString('utf8').trim()}`);
          yield { stream: f.stream, data: f.data };
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof BoxifyError) throw err;
      throw new BoxifyError('unavailable', `lost the connection to boxifyd at ${this.socketPath}: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  private async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const a = await this.call(method, path, opts);
    if (a.body.length === 0) return undefined as T;
    try {
      return JSON.parse(a.body.toString('utf8')) as T;
    } catch (err) {
      throw new BoxifyError('internal', `${method} ${path}: boxifyd answered with invalid JSON: ${a.body.toString('utf8').slice(0, 200)}`, { cause: err });
    }
  }

  /** A whole request and its buffered answer; non-2xx (outside `ok`) throws. */
  private async call(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const res = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    try {
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    } catch (err) {
      throw new BoxifyError('unavailable', `lost the connection to boxifyd at ${this.socketPath}: ${(err as Error).message}`, { cause: err });
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  /** Sends a request; resolves with the response once its headers arrive, or throws its error. */
  private open(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      qs.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    const search = qs.toString();
    const url = search ? `${path}?${search}` : path;
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: http.OutgoingHttpHeaders = { Host: 'boxify' };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    } else if (method === 'POST') {
      headers['Content-Length'] = 0;
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, agent: this.agent, method, path: url, headers, signal: opts.signal });
      req.on('error', (err) => reject(this.connectionError(err, opts.signal)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || opts.ok?.includes(status)) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.connectionError(err, opts.signal)));
        res.on('end', () => reject(errorFromAnswer(method, path, status, Buffer.concat(chunks))));
      });
      req.end(payload);
    });
  }

  private connectionError(err: unknown, signal?: AbortSignal): BoxifyError {
    if (err instanceof BoxifyError) return err;
    const e = err as NodeJS.ErrnoException;
    const s = this.socketPath;
    if (signal?.aborted) return new BoxifyError('unavailable', 'the request was cancelled', { cause: err });
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
      return new BoxifyError('unavailable', `cannot connect to boxifyd at ${s}: is the daemon running? Start it with: sudo boxifyd`, { cause: err });
    }
    if (e.code === 'EACCES' || e.code === 'EPERM') {
      return new BoxifyError('forbidden', `permission denied on ${s}: run as root (sudo boxify) or join the boxify group`, { cause: err });
    }
    return new BoxifyError('unavailable', `lost the connection to boxifyd at ${s}: ${e.message}`, { cause: err });
  }
}

/** The BoxifyError for a non-2xx answer: the status picks the code, `{message}` the text. */
export function errorFromAnswer(method: string, path: string, status: number, body: Buffer): BoxifyError {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text as it came
  }
  return new BoxifyError(codeForStatus(status), message || `${method} ${path} failed with HTTP ${status}`);
}
