// /images/...: list, inspect, remove, prune, tag, load (`docker load`), and create (pull, or
// import of a rootfs tarball in the body with fromSrc=-). Long operations stream Docker's
// JSON messages; an error before the first message is a normal error response, one after it
// is `{"errorDetail":{"message"},"error"}` in the stream, as the docker CLI expects.
import type { ServerResponse } from 'node:http';
import type { ImageSummary } from '../../core/api/types.js';
import { BoxifyError, errors, toBoxifyError } from '../../core/errors.js';
import { parseReference } from '../../core/images/reference.js';
import { pullImage, type PullProgress, type RegistryAuth } from '../../core/images/registry.js';
import type { ImageStore } from '../../core/images/store.js';
import type { EventBus } from '../../core/events.js';
import type { ImageConfig, ImageRecord } from '../../core/images/types.js';
import { queryBool, reply, type RequestContext, type Router } from '../router.js';
import { commonHeaders } from '../server.js';

export interface ImageRoutesContext {
  images: ImageStore;
  /** Whether a container uses the image; a string names the container (for 409 messages). */
  imageInUse: (id: string) => boolean | string;
  /** Registries (host[:port]) reached over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  log?: (msg: string) => void;
  /** Where image events go (pull, tag, untag, delete, load, import), as Docker reports them. */
  events?: EventBus;
}

/** Docker's events for what a remove or a prune did: `untag` per name, `delete` per image. */
function emitRemoved(events: EventBus | undefined, items: { Untagged?: string; Deleted?: string }[]): void {
  for (const it of items) {
    if (it.Untagged) events?.emit('image', 'untag', it.Untagged, { name: it.Untagged });
    if (it.Deleted) events?.emit('image', 'delete', it.Deleted, { name: it.Deleted });
  }
}

export function imageSummary(img: ImageRecord): ImageSummary {
  return {
    Id: img.id,
    ParentId: '',
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests.map((d) => parseReference(d).familiar),
    Created: Math.floor(Date.parse(img.created) / 1000) || 0,
    Size: img.size,
    SharedSize: -1,
    VirtualSize: img.size,
    Labels: img.config.Labels ?? {},
    Containers: -1,
  };
}

/** Docker's `GET /images/{name}/json` shape. */
export function imageInspect(img: ImageRecord, layerDirs: string[]) {
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests.map((d) => parseReference(d).familiar),
    Parent: '',
    Comment: '',
    Created: img.created,
    DockerVersion: '',
    Author: '',
    Config: {
      Env: img.config.Env ?? null,
      Cmd: img.config.Cmd ?? null,
      Entrypoint: img.config.Entrypoint ?? null,
      WorkingDir: img.config.WorkingDir ?? '',
      User: img.config.User ?? '',
      ExposedPorts: img.config.ExposedPorts ?? null,
      Labels: img.config.Labels ?? null,
      StopSignal: img.config.StopSignal,
      Volumes: (img.config as Record<string, unknown>).Volumes ?? null,
      OnBuild: null,
    },
    Architecture: img.architecture,
    Os: img.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: [...layerDirs].reverse().join(':') },
    },
    RootFS: { Type: 'layers', Layers: img.layers },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** The `X-Registry-Auth` header: base64url JSON of {username, password, identitytoken, registrytoken}. */
export function parseRegistryAuth(header: string | string[] | undefined): RegistryAuth | undefined {
  if (!header || Array.isArray(header)) return undefined;
  try {
    const j = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as RegistryAuth;
    const auth: RegistryAuth = {};
    if (j.username) auth.username = j.username;
    if (j.password) auth.password = j.password;
    if (j.identitytoken) auth.identitytoken = j.identitytoken;
    if (j.registrytoken) auth.registrytoken = j.registrytoken;
    return Object.keys(auth).length ? auth : undefined;
  } catch {
    throw errors.invalid('X-Registry-Auth', 'the header is not base64-encoded JSON');
  }
}

/**
 * `changes` for an import, as Dockerfile instructions: CMD, ENTRYPOINT (JSON or shell form),
 * ENV k=v, WORKDIR, USER, LABEL k=v, EXPOSE port[/proto].
 */
export function parseChanges(lines: string[]): ImageConfig {
  const cfg: ImageConfig = {};
  const argv = (rest: string, what: string): string[] => {
    if (rest.startsWith('[')) {
      try {
        const v = JSON.parse(rest) as unknown;
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      } catch {
        /* reported below */
      }
      throw errors.invalid('changes', `${what} ${rest}: expected a JSON list of strings`);
    }
    return ['/bin/sh', '-c', rest];
  };
  for (const line of lines) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw errors.invalid('changes', `"${line}" is not an instruction`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'CMD') cfg.Cmd = argv(rest, op);
    else if (op === 'ENTRYPOINT') cfg.Entrypoint = argv(rest, op);
    else if (op === 'WORKDIR') cfg.WorkingDir = rest;
    else if (op === 'USER') cfg.User = rest;
    else if (op === 'ENV') cfg.Env = [...(cfg.Env ?? []), rest.includes('=') ? rest : rest.replace(/\s+/, '=')];
    else if (op === 'LABEL') {
      const [k, ...v] = rest.split('=');
      cfg.Labels = { ...(cfg.Labels ?? {}), [k!]: v.join('=').replace(/^"|"$/g, '') };
    } else if (op === 'EXPOSE') cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}), [rest.includes('/') ? rest : `${rest}/tcp`]: {} };
    else throw errors.invalid('changes', `${op} is not supported in an import (use CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE)`);
  }
  return cfg;
}

/** A JSON-message stream whose 200 header goes out with the first message. */
class MessageStream {
  private started = false;
  constructor(
    private readonly res: ServerResponse,
    private readonly apiVersion: string,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  write(msg: object): void {
    if (this.res.destroyed) return;
    if (!this.started) {
      this.res.writeHead(200, { ...commonHeaders(this.apiVersion), 'Content-Type': 'application/json' });
      this.started = true;
    }
    this.res.write(`${JSON.stringify(msg)}\n`);
  }

  /** Ends the stream; an error after the start goes into it, before the start it is thrown. */
  fail(err: unknown): void {
    if (!this.started) throw err;
    const message = toBoxifyError(err).message;
    this.write({ errorDetail: { message }, error: message });
    this.res.end();
  }

  end(): void {
    if (!this.started) this.write({ status: '' });
    this.res.end();
  }
}

export function registerImageRoutes(router: Router, ctx: ImageRoutesContext): void {
  const { images } = ctx;

  router.get('/images/json', (c) => {
    const all = images.list();
    const dangling = danglingFilter(c.query.get('filters'));
    return all.filter((i) => dangling === undefined || (i.repoTags.length === 0) === dangling).map(imageSummary);
  });

  router.get('/images/:name*/json', (c) => {
    const img = images.resolve(c.params.name!);
    return imageInspect(img, images.layerDirs(img));
  });

  router.delete('/images/:name*', (c) => {
    const removed = images.remove(c.params.name!, { force: queryBool(c.query, 'force'), inUse: ctx.imageInUse });
    emitRemoved(ctx.events, removed);
    return removed;
  });

  router.post('/images/prune', (c) => {
    const filters = c.query.get('filters');
    const danglingOnly = danglingFilter(filters);
    const pruned = images.prune({ all: danglingOnly === false, inUse: ctx.imageInUse });
    emitRemoved(ctx.events, pruned.ImagesDeleted);
    ctx.events?.emit('image', 'prune', '', { reclaimed: String(pruned.SpaceReclaimed) });
    return pruned;
  });

  router.post('/images/:name*/tag', (c) => {
    const repo = c.query.get('repo');
    if (!repo) throw errors.invalid('repo', 'give the new name as ?repo=NAME&tag=TAG');
    const tag = c.query.get('tag');
    const target = tag ? `${repo}:${tag}` : repo;
    const img = images.tag(c.params.name!, target);
    ctx.events?.emit('image', 'tag', img.id, { name: target });
    return reply(201);
  });

  router.post('/images/load', async (c) => {
    const stream = new MessageStream(c.res!, c.apiVersion);
    const result = await images.load(c.req);
    for (const t of result.tags) stream.write({ stream: `Loaded image: ${t}\n` });
    for (const t of result.tags) ctx.events?.emit('image', 'load', t, { name: t });
    for (const id of result.untagged) stream.write({ stream: `Loaded image ID: ${id}\n` });
    stream.end();
  });

  router.post('/images/create', async (c) => {
    const fromSrc = c.query.get('fromSrc');
    if (fromSrc !== null) return importFromBody(c, images);
    const fromImage = c.query.get('fromImage');
    if (!fromImage) throw errors.invalid('fromImage', 'give the image to pull as ?fromImage=NAME&tag=TAG');
    const tag = c.query.get('tag');
    const ref = !tag ? fromImage : tag.startsWith('sha256:') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
    const parsed = parseReference(ref); // a bad reference is a 400 before any streaming
    const platform = c.query.get('platform');
    if (platform && !/^linux\/(amd64|x86_64)(\/.*)?$/.test(platform)) {
      throw errors.invalid('platform', `"${platform}" is not supported: Boxify runs linux/amd64 images`);
    }
    const abort = new AbortController();
    c.res!.on('close', () => {
      if (!c.res!.writableFinished) abort.abort();
    });
    const stream = new MessageStream(c.res!, c.apiVersion);
    try {
      await pullImage(images, ref, {
        auth: parseRegistryAuth(c.req.headers['x-registry-auth']),
        insecure: queryBool(c.query, 'insecure') || (ctx.insecureRegistries ?? []).includes(parsed.registry),
        signal: abort.signal,
        onProgress: (p: PullProgress) => stream.write(p),
      });
      ctx.events?.emit('image', 'pull', ref, { name: ref });
      stream.end();
    } catch (err) {
      if (!(err instanceof BoxifyError) || !err.isUserError) ctx.log?.(`pull ${ref}: ${(err as Error).message}`);
      stream.fail(err);
    }
  });
}

async function importFromBody(c: RequestContext, images: ImageStore): Promise<void> {
  if (c.query.get('fromSrc') !== '-') throw errors.invalid('fromSrc', 'only "-" (the tarball in the request body) is supported');
  const repo = c.query.get('repo');
  const tag = c.query.get('tag');
  const ref = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
  if (ref) parseReference(ref);
  const changes = parseChanges(c.query.getAll('changes').flatMap((s) => s.split('\n')).filter((s) => s.trim()));
  const stream = new MessageStream(c.res!, c.apiVersion);
  const img = await images.importTarball(c.req, ref, changes);
  stream.write({ status: img.id });
  stream.end();
}

/** `filters={"dangling":["true"]}` -> true; absent -> undefined. */
function danglingFilter(filters: string | null): boolean | undefined {
  if (!filters) return undefined;
  let f: Record<string, string[] | Record<string, boolean>>;
  try {
    f = JSON.parse(filters);
  } catch {
    throw errors.invalid('filters', 'not JSON');
  }
  const d = f.dangling;
  if (!d) return undefined;
  const vals = Array.isArray(d) ? d : Object.keys(d);
  return vals.includes('true') || vals.includes('1');
}
