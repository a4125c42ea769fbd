// Named volumes and container mounts (binds, volumes, tmpfs).
export { VolumeStore, validateVolumeName, matchLabel, VOLUME_NAME, ANONYMOUS_LABEL, type VolumeInfo } from './store.js';
export {
  resolveBinds,
  resolveMounts,
  resolveContainerMounts,
  toMountPoints,
  type ResolvedMount,
  type ResolvedMounts,
  type ResolveOptions,
} from './binds.js';
