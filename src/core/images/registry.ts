// Pulling from an OCI distribution registry (the Docker Registry HTTP API v2) with node's
// http/https only: the anonymous and bearer-token flows (a 401 with WWW-Authenticate sends us
// to the token endpoint), manifest lists and OCI indexes (linux/amd64 is chosen), schema2 and
// OCI manifests, sha256 verification of every manifest and blob, and parallel layer
// downloads streamed straight into extraction. A failed or interrupted pull removes whatever
// it added: the store is as before.
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BoxifyError } from '../errors.js';
import { MEDIA, selectPlatform, type Descriptor } from './archive.js';
import { parseReference, type ImageReference } from './reference.js';
import type { ImageStore, OciImageConfig } from './store.js';
import type { ImageRecord } from './types.js';

/** Docker's pull progress messages, as `POST /images/create` streams them. */
export interface PullProgress {
  status: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A refresh token from a previous login (Docker's `identitytoken`). */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
}

export interface PullOptions {
  /** Plain HTTP for this registry (always allowed for localhost and 127.0.0.0/8). */
  insecure?: boolean;
  auth?: RegistryAuth;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /** Layers downloaded at once (default 3, as Docker). */
  concurrency?: number;
  /** Per-request idle timeout (default 60 s). */
  timeoutMs?: number;
}

const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');
const MAX_MANIFEST = 4 << 20;

function registryError(status: number, message: string): BoxifyError {
  if (status === 404) return new BoxifyError('not_found', message);
  if (status === 401 || status === 403) return new BoxifyError('forbidden', message);
  if (status === 400) return new BoxifyError('invalid_argument', message);
  return new BoxifyError('unavailable', message);
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Parses `Bearer realm="...",service="...",scope="..."` (and `Basic realm=...`). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  if (!m) return { scheme: '', params };
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: m[1]!.toLowerCase(), params };
}

interface Response {
  res: IncomingMessage;
  url: URL;
}

/** One repository on one registry, with its credentials and current token. */
export class RegistryClient {
  readonly base: URL;
  private token: string | undefined;
  private basic: string | undefined;

  constructor(
    readonly ref: ImageReference,
    private readonly opts: PullOptions = {},
  ) {
    const host = ref.registry === 'docker.io' ? 'registry-1.docker.io' : ref.registry;
    const scheme = opts.insecure || isLoopback(host) ? 'http' : 'https';
    this.base = new URL(`${scheme}://${host}/`);
    const a = opts.auth;
    if (a?.registrytoken) this.token = a.registrytoken;
    if (a?.username !== undefined && a.password !== undefined) {
      this.basic = Buffer.from(`${a.username}:${a.password}`).toString('base64');
    }
  }

  private get where(): string {
    return `${this.ref.registry}/${this.ref.repository}`;
  }

  /** A GET that follows redirects (blob storage) and answers a 401 challenge once. */
  async get(pathname: string, accept?: string): Promise<Response> {
    let url = new URL(pathname, this.base);
    let authed = false;
    for (let hop = 0; hop < 6; hop++) {
      const sameHost = url.host === this.base.host;
      const headers: Record<string, string> = { 'User-Agent': 'boxify' };
      if (accept) headers.Accept = accept;
      // Credentials go to the registry only, never to the storage a redirect points at.
      if (sameHost && this.token) headers.Authorization = `Bearer ${this.token}`;
      else if (sameHost && this.basic && authed) headers.Authorization = `Basic ${this.basic}`;
      const res = await this.request(url, headers);
      const status = res.statusCode ?? 0;
      if (status === 401 && sameHost && !authed) {
        const challenge = String(res.headers['www-authenticate'] ?? '');
        await drain(res);
        await this.authenticate(challenge);
        authed = true;
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        await drain(res);
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status >= 200 && status < 300) return { res, url };
      const body = (await readBody(res, 64 << 10).catch(() => Buffer.alloc(0))).toString('utf8');
      throw registryError(status, `${this.where}: registry answered ${status} for ${url.pathname}${describeErrors(body)}`);
    }
    throw new BoxifyError('unavailable', `${this.where}: too many redirects for ${pathname}`);
  }

  private async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      if (!this.basic) throw new BoxifyError('forbidden', `${this.where}: the registry needs a user name and password (unauthorized)`);
      return;
    }
    if (scheme !== 'bearer' || !params.realm) {
      throw new BoxifyError('forbidden', `${this.where}: unauthorized, and the registry's challenge "${challenge}" is not one Boxify understands`);
    }
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.ref.repository}:pull`);
    const headers: Record<string, string> = { 'User-Agent': 'boxify' };
    if (this.basic) headers.Authorization = `Basic ${this.basic}`;
    let res: IncomingMessage;
    if (this.opts.auth?.identitytoken) {
      // An OAuth2 refresh token is exchanged with a POST (distribution's token spec).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.opts.auth.identitytoken, service: params.service ?? '', scope: realm.searchParams.get('scope')!, client_id: 'boxify' });
      res = await this.request(new URL(params.realm), { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', form.toString());
    } else {
      res = await this.request(realm, headers);
    }
    const body = await readBody(res, 1 << 20);
    if ((res.statusCode ?? 0) !== 200) {
      throw registryError(res.statusCode === 401 || res.statusCode === 403 ? 401 : (res.statusCode ?? 500), `${this.where}: the token server ${realm.origin} refused (${res.statusCode})${describeErrors(body.toString('utf8'))}: unauthorized`);
    }
    let json: { token?: string; access_token?: string };
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BoxifyError('unavailable', `${this.where}: the token server ${realm.origin} answered with no JSON`);
    }
    const token = json.token ?? json.access_token;
    if (!token) throw new BoxifyError('unavailable', `${this.where}: the token server ${realm.origin} answered with no token`);
    this.token = token;
  }

  /**
   * A GET that got no answer at all (a timeout, or a reset before any response) is tried once
   * more on a fresh connection: a pooled keep-alive socket the registry has dropped, or a
   * registry that stalled, should not fail a pull. Errors after the response began are final.
   */
  private async request(url: URL, headers: Record<string, string>, method = 'GET', body?: string): Promise<IncomingMessage> {
    try {
      return await this.requestOnce(url, headers, method, body);
    } catch (e) {
      const retriable = method === 'GET' && e instanceof BoxifyError && e.code === 'unavailable' && !this.opts.signal?.aborted;
      if (!retriable) throw e;
      return this.requestOnce(url, headers, method, body, true);
    }
  }

  private requestOnce(url: URL, headers: Record<string, string>, method: string, body?: string, fresh = false): Promise<IncomingMessage> {
    const lib = url.protocol === 'https:' ? https : http;
    if (url.protocol === 'http:' && !(this.opts.insecure || isLoopback(url.host)) && url.host !== this.base.host) {
      return Promise.reject(new BoxifyError('forbidden', `${this.where}: refusing a redirect to plain-HTTP ${url.origin}`));
    }
    return new Promise((resolve, reject) => {
      const signal = this.opts.signal;
      if (signal?.aborted) return reject(new BoxifyError('internal', `pull of ${this.ref.familiar} was cancelled`));
      // Cancellation is handled here rather than with request's `signal` option, so that the
      // error reaches the listeners below even after the response has begun.
      let response: IncomingMessage | undefined;
      const req = lib.request(url, { method, headers, ...(fresh ? { agent: false } : {}) }, (res) => {
        response = res;
        // A cancel or a dropped connection before anyone reads the body must not become an
        // uncaught 'error': whoever reads the body next gets the error from the stream.
        res.on('error', () => {});
        res.on('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(res);
      });
      req.setTimeout(this.opts.timeoutMs ?? 60_000, () => req.destroy(new Error(`no answer for ${this.opts.timeoutMs ?? 60_000} ms`)));
      const onAbort = () => {
        const err = Object.assign(new Error('cancelled'), { name: 'AbortError' });
        // Once the response is there, end that (its socket is this request's alone until the
        // body is read); destroying a finished keep-alive request could hit a pooled socket.
        if (response) {
          if (!response.complete) response.destroy(err);
        } else req.destroy(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') reject(new BoxifyError('internal', `pull of ${this.ref.familiar} was cancelled`));
        else reject(new BoxifyError('unavailable', `${this.where}: cannot reach ${url.origin}: ${e.code ?? e.message}${e.code === 'EPROTO' || /wrong version/i.test(e.message) ? ' (is it a plain-HTTP registry? use --insecure)' : ''}`));
      });
      req.end(body);
    });
  }

  /** A manifest (or index) by tag or digest, verified when asked for by digest. */
  async manifest(reference: string): Promise<{ body: Buffer; digest: string; mediaType: string }> {
    const { res } = await this.get(`/v2/${this.ref.repository}/manifests/${reference}`, MANIFEST_ACCEPT);
    const body = await readBody(res, MAX_MANIFEST);
    const digest = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new BoxifyError('invalid_argument', `${this.where}: digest mismatch: manifest ${reference} has content ${digest}`);
    }
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    try {
      const doc = JSON.parse(body.toString('utf8')) as { mediaType?: string; schemaVersion?: number; manifests?: unknown };
      if (doc.schemaVersion === 1) throw new BoxifyError('invalid_argument', `${this.where}: manifest ${reference} is schema 1, which Boxify does not support`);
      if (doc.mediaType) mediaType = doc.mediaType;
      else if (Array.isArray(doc.manifests)) mediaType = MEDIA.ociIndex;
    } catch (e) {
      if (e instanceof BoxifyError) throw e;
      throw new BoxifyError('invalid_argument', `${this.where}: manifest ${reference} is not JSON`);
    }
    return { body, digest, mediaType };
  }

  /** A small blob (the config), read whole and verified. */
  async blob(digest: string, max = 16 << 20): Promise<Buffer> {
    const { res } = await this.get(`/v2/${this.ref.repository}/blobs/${digest}`);
    const body = await readBody(res, max);
    const got = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
    if (got !== digest) throw new BoxifyError('invalid_argument', `${this.where}: digest mismatch: blob ${digest} has content ${got}`);
    return body;
  }

  /** A layer blob as a stream (verified by the extraction that reads it). */
  async blobStream(digest: string): Promise<IncomingMessage> {
    return (await this.get(`/v2/${this.ref.repository}/blobs/${digest}`)).res;
  }
}

function describeErrors(body: string): string {
  try {
    const j = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(j.errors) && j.errors.length) return `: ${j.errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ')}`;
  } catch {
    /* not a registry error document */
  }
  return body.trim() ? `: ${body.trim().slice(0, 200)}` : '';
}

async function drain(res: IncomingMessage): Promise<void> {
  res.resume();
  await new Promise<void>((resolve) => {
    res.on('end', resolve);
    res.on('error', () => resolve());
    res.on('close', resolve);
  });
}

async function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res) {
      n += (c as Buffer).length;
      if (n > max) {
        res.destroy();
        throw new BoxifyError('invalid_argument', `response from ${res.url ?? 'the registry'} is larger than ${max} bytes`);
      }
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof BoxifyError) throw e;
    throw new BoxifyError('unavailable', `the registry dropped the connection: ${(e as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure aborts the rest. */
async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/**
 * Pulls `ref` into the store and tags it. Progress is reported as Docker's pull messages.
 * On any failure every layer this pull added is removed again.
 */
export async function pullImage(store: ImageStore, refText: string, opts: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(refText);
  const say = (p: PullProgress) => opts.onProgress?.(p);
  const client = new RegistryClient(ref, opts);
  const where = `${ref.registry}/${ref.repository}`;
  const target = ref.digest ?? ref.tag;
  let top = await client.manifest(target);
  // Only once the registry knows the image: a missing one is a plain 404, not a stream.
  say({ status: `Pulling from ${ref.repository}`, id: ref.tag || short(ref.digest!) });
  const manifestDigest = top.digest;
  let manifestBody = top.body;
  for (let depth = 0; top.mediaType === MEDIA.ociIndex || top.mediaType === MEDIA.dockerList; depth++) {
    if (depth > 3) throw new BoxifyError('invalid_argument', `${where}: image indexes nested too deeply`);
    const list = JSON.parse(top.body.toString('utf8')) as { manifests?: Descriptor[] };
    const chosen = selectPlatform(list.manifests ?? [], `${ref.familiar} (manifest list ${top.digest})`);
    top = await client.manifest(chosen.digest);
    manifestBody = top.body;
  }
  if (top.mediaType !== MEDIA.ociManifest && top.mediaType !== MEDIA.dockerManifest) {
    throw new BoxifyError('invalid_argument', `${where}: unsupported manifest type "${top.mediaType}"`);
  }
  const manifest = JSON.parse(manifestBody.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new BoxifyError('invalid_argument', `${where}: manifest ${top.digest} has no config or layers`);
  const configBytes = await client.blob(manifest.config.digest);
  let config: OciImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
  } catch {
    throw new BoxifyError('invalid_argument', `${where}: config ${manifest.config.digest} is not JSON`);
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new BoxifyError('invalid_argument', `${where}: manifest lists ${manifest.layers.length} layers but the config ${diffIds.length}`);
  }
  if (config.os && config.os !== 'linux') throw new BoxifyError('invalid_argument', `${where}: image is for ${config.os}, not linux`);

  const repoDigest = `${ref.fullName}@${manifestDigest}`;
  const tags = ref.digest ? [] : [ref.canonical];
  const existing = store.find(`sha256:${crypto.createHash('sha256').update(configBytes).digest('hex')}`);
  const pinned: string[] = [];
  try {
    const todo: number[] = [];
    manifest.layers.forEach((l, i) => {
      const d = diffIds[i]!;
      if (store.hasLayer(d)) {
        store.pin(d);
        pinned.push(d);
        say({ status: 'Already exists', id: short(l.digest) });
      } else {
        todo.push(i);
        say({ status: 'Pulling fs layer', id: short(l.digest) });
      }
      if (l.mediaType?.includes('foreign') || l.mediaType?.includes('nondistributable')) {
        if (!store.hasLayer(d)) throw new BoxifyError('invalid_argument', `${where}: layer ${l.digest} is a foreign layer, which Boxify cannot download`);
      }
    });
    await parallel(todo, opts.concurrency ?? 3, async (i) => {
      const l = manifest.layers![i]!;
      const id = short(l.digest);
      const total = l.size ?? 0;
      let last = 0;
      const body = await client.blobStream(l.digest);
      try {
        const added = await store.addLayer(body, {
          expectedDigest: l.digest,
          expectedDiffId: diffIds[i],
          onInput: (current) => {
            const now = Date.now();
            if (now - last < 100 && current !== total) return;
            last = now;
            say({ status: 'Downloading', id, progressDetail: { current, total } });
          },
        });
        pinned.push(added.diffId); // addLayer pinned it
      } catch (e) {
        body.destroy();
        const msg = e instanceof Error ? e.message : String(e);
        const dropped = /aborted|ECONNRESET|socket hang up|premature/i.test(msg);
        const code = dropped || !(e instanceof BoxifyError) ? 'unavailable' : e.code;
        throw new BoxifyError(code, `${where}: layer ${l.digest}: ${dropped ? `the registry dropped the connection (${msg})` : msg}`, { cause: e });
      }
      say({ status: 'Pull complete', id });
    });
    const img = store.commitImage(configBytes, { tags, repoDigests: [repoDigest] });
    say({ status: `Digest: ${manifestDigest}` });
    say({ status: `Status: ${existing ? 'Image is up to date' : 'Downloaded newer image'} for ${ref.familiar}` });
    return img;
  } finally {
    for (const d of pinned) store.unpin(d);
    store.collectLayers();
  }
}
