// POST /containers/create: a request becomes a persisted record. Everything that can be
// refused is checked here (image, name, user, security options, ports, mounts), so that a
// bad value is a 400 at create and never a failed start.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { ContainerCreateRequest, ContainerCreateResponse } from '../api/types.js';
import { errors } from '../errors.js';
import { parsePortBindings } from '../network/ports.js';
import { resolveContainerSecurity } from '../security/container.js';
import { precompileSecurity } from '../security/index.js';
import { resolveContainerMounts } from '../volumes/index.js';
import { generateName } from './names.js';
import { initialState, type ContainerRecord } from './record.js';
import type { ContainerRuntime } from './runtime.js';
import { resolveUser, validateCreate, validateName } from './validate.js';

export async function createContainer(rt: ContainerRuntime, body: ContainerCreateRequest, requestedName?: string): Promise<ContainerCreateResponse> {
  const { d, store } = rt;
  const imageRef = typeof body?.Image === 'string' ? body.Image : '';
  if (!imageRef) throw errors.invalid('Image', 'no image given: name an image, e.g. busybox');
  const image = d.images.resolve(imageRef);
  const v = validateCreate(body, image.config);
  const name = requestedName ? validateName(requestedName) : generateName((n) => !!store.byName(n));
  const existing = store.byName(name);
  if (existing) throw errors.nameInUse(name, existing.id);
  resolveUser(v.config.User, d.images.layerDirs(image));
  // Capabilities, seccomp, ulimits, --tmpfs: a bad value is a 400 now, not a failed start.
  const security = resolveContainerSecurity(v.hostConfig, { cgroupVersion: d.cgroups.version });
  // A CapAdd this host cannot grant, or a profile the compiler refuses, is a 400 here too.
  precompileSecurity(security.security);
  // Checked now so that bad ports are a 400 at create, not a failure at start.
  const portMappings = parsePortBindings(v.hostConfig.PortBindings, v.config.ExposedPorts);
  if (portMappings.length && v.networkMode === 'none') {
    throw errors.invalid('HostConfig.PortBindings', 'ports cannot be published with network mode "none"');
  }
  // Resolved once: this creates named and anonymous volumes.
  const resolved = resolveContainerMounts(v.hostConfig, d.volumes, { stateRoot: d.root });

  const id = crypto.randomBytes(32).toString('hex');
  const rec: ContainerRecord = {
    id,
    name,
    created: new Date().toISOString(),
    imageRef,
    imageId: image.id,
    path: v.path,
    args: v.args,
    config: { ...v.config, Image: imageRef, Hostname: v.config.Hostname || id.slice(0, 12) },
    hostConfig: v.hostConfig,
    limits: v.limits,
    network: { mode: v.networkMode, ip: '', prefixLength: 0, gateway: '', mac: '', hostVeth: '' },
    state: initialState(),
    restartCount: 0,
    mounts: resolved.mounts,
    volumes: resolved.volumesUsed,
    anonymousVolumes: resolved.anonymousVolumes,
    security,
    ports: [],
  };
  // The record is written last: a crash before this leaves a directory without a record,
  // which recovery deletes.
  const dir = rt.dir(id);
  fs.mkdirSync(path.join(dir, 'upper'), { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'work'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true, mode: 0o755 });
  store.save(rec);
  d.events.emit('container', 'create', id, { name, image: imageRef });
  return { Id: id, Warnings: [] };
}
