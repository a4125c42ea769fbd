// /volumes: Docker's volume API (`docker volume create/ls/inspect/rm/prune`).
import { errors } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { matchLabel, type VolumeInfo, type VolumeStore } from '../../core/volumes/store.js';
import { queryBool, reply, type Router } from '../router.js';
import { parseFilters } from './system.js';

export interface VolumeRouteDeps {
  volumes: VolumeStore;
  /** True when a container (running or not) uses the volume. */
  volumeInUse: (name: string) => boolean;
  /** Where volume events go (create, destroy, prune), as Docker reports them. */
  events?: EventBus;
}

const LIST_FILTERS = new Set(['name', 'label', 'dangling', 'driver']);
const PRUNE_FILTERS = new Set(['all', 'label']);

function checkFilters(filters: Record<string, string[]>, allowed: Set<string>): void {
  for (const k of Object.keys(filters)) {
    if (!allowed.has(k)) throw errors.invalid('filters', `"${k}" is not a filter here (use ${[...allowed].join(', ')})`);
  }
}

function isTrue(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw errors.invalid('filters', `"${v}" is not a boolean (use true or false)`);
}

export function registerVolumeRoutes(router: Router, d: VolumeRouteDeps): void {
  router.get('/volumes', (ctx) => {
    const f = parseFilters(ctx.query.get('filters'));
    checkFilters(f, LIST_FILTERS);
    const keep = (v: VolumeInfo) =>
      (!f.name || f.name.some((n) => v.Name.includes(n))) &&
      (!f.label || f.label.every((l) => matchLabel(v.Labels, l))) &&
      (!f.driver || f.driver.includes(v.Driver)) &&
      (!f.dangling || f.dangling.every((x) => isTrue(x) === !d.volumeInUse(v.Name)));
    return { Volumes: d.volumes.list().filter(keep), Warnings: [] };
  });

  router.post('/volumes/create', async (ctx) => {
    const body = await ctx.json<{ Name?: unknown; Driver?: unknown; DriverOpts?: unknown; Labels?: unknown }>();
    if (body.Name !== undefined && typeof body.Name !== 'string') throw errors.invalid('Name', 'must be a string');
    if (body.Driver !== undefined && body.Driver !== '' && body.Driver !== 'local') {
      throw errors.invalid('Driver', `volume driver "${String(body.Driver)}" is not available: only "local" is`);
    }
    if (body.DriverOpts && typeof body.DriverOpts === 'object' && Object.keys(body.DriverOpts).length) {
      throw errors.invalid('DriverOpts', 'driver options (type, device, o) are not supported: create the volume without them');
    }
    const v = d.volumes.create(body.Name || undefined, (body.Labels ?? undefined) as Record<string, string> | undefined);
    d.events?.emit('volume', 'create', v.Name, { driver: v.Driver });
    return reply(201, v);
  });

  router.post('/volumes/prune', (ctx) => {
    const f = parseFilters(ctx.query.get('filters'));
    checkFilters(f, PRUNE_FILTERS);
    const all = (f.all ?? []).some(isTrue);
    const pruned = d.volumes.prune(d.volumeInUse, { all, labels: f.label });
    for (const name of pruned.VolumesDeleted ?? []) d.events?.emit('volume', 'destroy', name, { driver: 'local' });
    d.events?.emit('volume', 'prune', '', { reclaimed: String(pruned.SpaceReclaimed) });
    return pruned;
  });

  router.get('/volumes/:name', (ctx) => d.volumes.inspect(ctx.params.name!));

  router.delete('/volumes/:name', (ctx) => {
    const name = ctx.params.name!;
    const existed = d.volumes.exists(name);
    d.volumes.remove(name, { force: queryBool(ctx.query, 'force'), inUse: existed && d.volumeInUse(name) });
    if (existed) d.events?.emit('volume', 'destroy', name, { driver: 'local' });
    return reply(204);
  });
}
