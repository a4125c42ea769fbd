// A fake daemon client for the TUI's component tests: containers, images, volumes and
// networks in memory, an event stream the test can feed, every call recorded, and a switch to
// make it unreachable.
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerInspect,
  ContainerSummary,
  ImageSummary,
} from '../../src/core/api/types.js';
import { BoxifyError } from '../../src/core/errors.js';
import type { EventMessage, LogRecord, NetworkSummary, TuiClient, VolumeSummary } from '../../src/tui/app/client.js';
import type { ImageDeleteItem, ImagePruneResponse, JsonMessage, LogsOptions } from '../../src/tui/client.js';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: ContainerSummary['State'];
  exitCode: number;
  oom: boolean;
  ip: string;
  cpu: number;
  mem: number;
  limit: number;
  env: string[];
  cmd: string[];
  labels: Record<string, string>;
  volumes: string[];
  ports: ContainerSummary['Ports'];
  tty: boolean;
  hostConfig: ContainerCreateRequest['HostConfig'];
}

export interface FakeImage {
  id: string;
  tags: string[];
  size: number;
}

let seq = 0;

export function fakeId(): string {
  seq++;
  return (seq.toString(16).padStart(4, '0') + 'ab'.repeat(30)).slice(0, 64);
}

/** An event stream the test pushes into. */
class EventFeed {
  private waiting: ((v: IteratorResult<EventMessage>) => void) | null = null;
  private queue: EventMessage[] = [];
  push(ev: EventMessage): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: ev, done: false });
    } else this.queue.push(ev);
  }
  async next(signal?: AbortSignal): Promise<IteratorResult<EventMessage>> {
    if (this.queue.length) return { value: this.queue.shift()!, done: false };
    return new Promise((resolve) => {
      this.waiting = resolve;
      signal?.addEventListener('abort', () => resolve({ value: undefined, done: true }), { once: true });
    });
  }
}

export class FakeClient implements TuiClient {
  readonly socketPath = '/tmp/fake.sock';
  containers: FakeContainer[] = [];
  imageList: FakeImage[] = [
    { id: 'sha256:' + '1'.repeat(64), tags: ['busybox:latest'], size: 2 * 1024 * 1024 },
    { id: 'sha256:' + '2'.repeat(64), tags: ['alpine:3.20'], size: 8 * 1024 * 1024 },
  ];
  volumeList: VolumeSummary[] = [];
  networkList: NetworkSummary[] | null = null;
  calls: string[] = [];
  down = false;
  createError: Error | null = null;
  logLines: LogRecord[] = [];
  /** Older records returned for a logs request with `until` (the "load older" path). */
  olderLogLines: LogRecord[] = [];
  logTotal: number | null = null;
  /** Messages a pull reports before it ends; a pull of a name in `pullErrors` fails. */
  pullScript: JsonMessage[] = [];
  pullGate: Promise<void> | null = null;
  listCount = 0;
  statsCount = 0;
  feed = new EventFeed();

  /** The image list as the old tests knew it (tags only). */
  set images(tags: string[]) {
    this.imageList = tags.map((t, i) => ({ id: 'sha256:' + String(i).repeat(64).slice(0, 64), tags: [t], size: 1024 }));
  }

  add(c: Partial<FakeContainer> & { name: string }): FakeContainer {
    const full: FakeContainer = {
      id: fakeId(),
      image: 'busybox:latest',
      imageId: 'sha256:' + '1'.repeat(64),
      state: 'running',
      exitCode: 0,
      oom: false,
      ip: '10.88.0.' + (this.containers.length + 2),
      cpu: 1.5,
      mem: 5 * 1024 * 1024,
      limit: 100 * 1024 * 1024,
      env: ['PATH=/bin'],
      cmd: ['sleep', '1000'],
      labels: {},
      volumes: [],
      ports: [],
      tty: false,
      hostConfig: {},
      ...c,
    };
    this.containers.push(full);
    return full;
  }

  private unreachable(): void {
    if (this.down) throw new BoxifyError('unavailable', `cannot connect to boxifyd at ${this.socketPath}: is the daemon running? Start it with: sudo boxifyd`);
  }

  private find(ref: string): FakeContainer {
    const c = this.containers.find((x) => x.id === ref || x.name === ref || x.id.startsWith(ref));
    if (!c) throw new BoxifyError('not_found', `No such container: ${ref}`);
    return c;
  }

  async listContainers(): Promise<ContainerSummary[]> {
    this.listCount++;
    this.unreachable();
    return this.containers.map((c) => ({
      Id: c.id,
      Names: ['/' + c.name],
      Image: c.image,
      ImageID: c.imageId,
      Command: c.cmd.join(' '),
      Created: 0,
      Ports: c.ports,
      Labels: c.labels,
      State: c.state,
      Status: c.state === 'running' ? 'Up 3 minutes' : c.state === 'exited' ? `Exited (${c.exitCode}) 1 second ago` : 'Created',
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: {
        Networks: { bridge: { NetworkID: '', EndpointID: '', Gateway: '10.88.0.1', IPAddress: c.state === 'running' ? c.ip : '', IPPrefixLen: 24, MacAddress: '' } },
      },
      Mounts: c.volumes.map((v) => ({ Type: 'volume' as const, Name: v, Source: `/var/lib/boxify/volumes/${v}/_data`, Destination: `/${v}`, Driver: 'local', Mode: '', RW: true, Propagation: '' })),
    }));
  }

  async allStats(): Promise<BoxifyStatsEntry[]> {
    this.statsCount++;
    this.unreachable();
    return this.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ id: c.id, name: '/' + c.name, cpuPercent: c.cpu, memoryUsage: c.mem, memoryLimit: c.limit, pids: 2, netRx: this.statsCount * 2048, netTx: this.statsCount * 1024, blkRead: 0, blkWrite: this.statsCount * 4096 }));
  }

  async listImages(): Promise<ImageSummary[]> {
    this.unreachable();
    return this.imageList.map((i) => ({ Id: i.id, ParentId: '', RepoTags: i.tags, RepoDigests: [], Created: 1700000000, Size: i.size, SharedSize: -1, Labels: {}, Containers: -1 }));
  }

  async inspectContainer(ref: string): Promise<ContainerInspect> {
    this.unreachable();
    const c = this.find(ref);
    return {
      Id: c.id,
      Created: '2024-01-01T00:00:00Z',
      Path: c.cmd[0]!,
      Args: c.cmd.slice(1),
      State: {
        Status: c.state,
        Running: c.state === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: c.oom,
        Dead: false,
        Pid: c.state === 'running' ? 4242 : 0,
        ExitCode: c.exitCode,
        Error: '',
        StartedAt: '2024-01-01T00:00:01Z',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
      Image: c.imageId,
      Name: '/' + c.name,
      RestartCount: 0,
      Driver: 'overlay',
      Platform: 'linux',
      LogPath: '',
      HostConfig: { NetworkMode: 'bridge', ...c.hostConfig },
      Config: { Image: c.image, Env: c.env, Cmd: c.cmd, Labels: c.labels, Tty: c.tty },
      NetworkSettings: {
        Ports: {},
        IPAddress: c.ip,
        IPPrefixLen: 24,
        Gateway: '10.88.0.1',
        MacAddress: '',
        Networks: { bridge: { NetworkID: '', EndpointID: '', Gateway: '10.88.0.1', IPAddress: c.ip, IPPrefixLen: 24, MacAddress: '02:42:0a:58:00:02' } },
      },
      Mounts: [],
    };
  }

  async createContainer(body: ContainerCreateRequest, name?: string) {
    this.calls.push(`create ${name ?? ''} ${JSON.stringify(body)}`);
    this.unreachable();
    if (this.createError) throw this.createError;
    const c = this.add({ name: name ?? 'auto' + seq, image: body.Image!, state: 'created', cmd: (body.Cmd as string[]) ?? ['sh'], env: body.Env ?? [], hostConfig: body.HostConfig, tty: body.Tty === true });
    return { Id: c.id, Warnings: [] };
  }

  async startContainer(ref: string) {
    this.calls.push(`start ${this.find(ref).name}`);
    this.find(ref).state = 'running';
  }

  async stopContainer(ref: string) {
    this.calls.push(`stop ${this.find(ref).name}`);
    const c = this.find(ref);
    c.state = 'exited';
    c.exitCode = 137;
  }

  async restartContainer(ref: string) {
    this.calls.push(`restart ${this.find(ref).name}`);
    this.find(ref).state = 'running';
  }

  async killContainer(ref: string) {
    this.calls.push(`kill ${this.find(ref).name}`);
    const c = this.find(ref);
    c.state = 'exited';
    c.exitCode = 137;
  }

  async removeContainer(ref: string, opts: { force?: boolean } = {}) {
    const c = this.find(ref);
    this.calls.push(`remove ${c.name}${opts.force ? ' force' : ''}`);
    this.containers = this.containers.filter((x) => x !== c);
  }

  logs(ref: string, opts: LogsOptions = {}): AsyncIterable<LogRecord> {
    this.calls.push(`logs ${this.find(ref).name}${opts.until ? ' older' : ''}`);
    const lines = opts.until ? this.olderLogLines : this.logLines;
    const total = this.logTotal;
    return {
      async *[Symbol.asyncIterator]() {
        if (total !== null) opts.onCount?.(opts.until ? lines.length : total);
        for (const l of lines) yield l;
        if (opts.follow) {
          await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve(), { once: true }));
        }
      },
    };
  }

  async top(ref: string) {
    this.calls.push(`top ${this.find(ref).name}`);
    return { Titles: ['UID', 'PID', 'PPID', 'CMD'], Processes: [['root', '4242', '4200', 'sleep 1000']] };
  }

  events(opts: { signal?: AbortSignal; onOpen?: () => void } = {}): AsyncIterable<EventMessage> {
    const feed = this.feed;
    const down = () => this.down;
    return {
      async *[Symbol.asyncIterator]() {
        if (down()) throw new BoxifyError('unavailable', 'cannot connect to boxifyd');
        opts.onOpen?.();
        for (;;) {
          const r = await feed.next(opts.signal);
          if (r.done) return;
          yield r.value;
        }
      },
    };
  }

  async pullImage(ref: string, opts: { onProgress?: (m: JsonMessage) => void } = {}) {
    this.calls.push(`pull ${ref}`);
    for (const m of this.pullScript) opts.onProgress?.(m);
    if (this.pullGate) await this.pullGate;
    if (ref.includes('nosuch')) throw new BoxifyError('not_found', `pull access denied for ${ref}: manifest unknown`);
    this.imageList.push({ id: 'sha256:' + '9'.repeat(64), tags: [ref.includes(':') ? ref : `${ref}:latest`], size: 3 * 1024 * 1024 });
  }

  async removeImage(ref: string): Promise<ImageDeleteItem[]> {
    this.calls.push(`rmi ${ref}`);
    const img = this.imageList.find((i) => i.tags.includes(ref) || i.id === ref);
    if (!img) throw new BoxifyError('not_found', `No such image: ${ref}`);
    const user = this.containers.find((c) => c.imageId === img.id);
    if (user) throw new BoxifyError('conflict', `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`);
    this.imageList = this.imageList.filter((i) => i !== img);
    return [{ Untagged: ref }, { Deleted: img.id }];
  }

  async pruneImages(): Promise<ImagePruneResponse> {
    this.calls.push('prune images');
    return { ImagesDeleted: [], SpaceReclaimed: 0 };
  }

  async listVolumes(): Promise<VolumeSummary[]> {
    this.unreachable();
    return this.volumeList;
  }

  async createVolume(name?: string): Promise<VolumeSummary> {
    this.calls.push(`volume create ${name ?? ''}`);
    const v = { Name: name ?? 'f'.repeat(64), Driver: 'local', Mountpoint: `/var/lib/boxify/volumes/${name}/_data`, CreatedAt: '2024-01-01T00:00:00Z', Labels: {} };
    this.volumeList.push(v);
    return v;
  }

  async removeVolume(name: string) {
    this.calls.push(`volume rm ${name}`);
    const user = this.containers.find((c) => c.volumes.includes(name));
    if (user) throw new BoxifyError('conflict', `remove ${name}: volume is in use - [${user.id}]`);
    this.volumeList = this.volumeList.filter((v) => v.Name !== name);
  }

  async pruneVolumes() {
    this.calls.push('prune volumes');
    const used = new Set(this.containers.flatMap((c) => c.volumes));
    const gone = this.volumeList.filter((v) => !used.has(v.Name)).map((v) => v.Name);
    this.volumeList = this.volumeList.filter((v) => used.has(v.Name));
    return { VolumesDeleted: gone, SpaceReclaimed: 0 };
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    if (this.networkList === null) throw new BoxifyError('not_found', 'page not found');
    return this.networkList;
  }

  async createNetwork(name: string) {
    this.calls.push(`network create ${name}`);
    if (this.networkList === null) throw new BoxifyError('not_found', 'page not found');
    this.networkList.push({ Name: name, Id: 'n'.repeat(64), Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }] }, Containers: {} });
    return { Id: 'n'.repeat(64) };
  }

  async removeNetwork(ref: string) {
    this.calls.push(`network rm ${ref}`);
    this.networkList = (this.networkList ?? []).filter((n) => n.Name !== ref);
  }
}
