// A fake daemon client for the TUI's component tests: containers in memory, every call
// recorded, and a switch to make it unreachable.
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerInspect,
  ContainerSummary,
  ImageSummary,
} from '../../src/core/api/types.js';
import { BoxifyError } from '../../src/core/errors.js';
import type { LogRecord, NsenterInfo, TuiClient } from '../../src/tui/app/client.js';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  state: ContainerSummary['State'];
  exitCode: number;
  oom: boolean;
  ip: string;
  cpu: number;
  mem: number;
  limit: number;
  env: string[];
  cmd: string[];
  hostConfig: ContainerCreateRequest['HostConfig'];
}

let seq = 0;

export function fakeId(): string {
  seq++;
  return (seq.toString(16).padStart(4, '0') + 'ab'.repeat(30)).slice(0, 64);
}

export class FakeClient implements TuiClient {
  readonly socketPath = '/tmp/fake.sock';
  containers: FakeContainer[] = [];
  images: string[] = ['busybox:latest', 'alpine:3.20'];
  calls: string[] = [];
  down = false;
  createError: Error | null = null;
  logLines: LogRecord[] = [];
  listCount = 0;
  statsCount = 0;

  add(c: Partial<FakeContainer> & { name: string }): FakeContainer {
    const full: FakeContainer = {
      id: fakeId(),
      image: 'busybox:latest',
      state: 'running',
      exitCode: 0,
      oom: false,
      ip: '10.88.0.' + (this.containers.length + 2),
      cpu: 1.5,
      mem: 5 * 1024 * 1024,
      limit: 100 * 1024 * 1024,
      env: ['PATH=/bin'],
      cmd: ['sleep', '1000'],
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
      ImageID: 'sha256:0',
      Command: c.cmd.join(' '),
      Created: 0,
      Ports: [],
      Labels: {},
      State: c.state,
      Status: c.state === 'running' ? 'Up 3 minutes' : c.state === 'exited' ? `Exited (${c.exitCode}) 1 second ago` : 'Created',
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: {
        Networks: { bridge: { NetworkID: '', EndpointID: '', Gateway: '10.88.0.1', IPAddress: c.state === 'running' ? c.ip : '', IPPrefixLen: 24, MacAddress: '' } },
      },
      Mounts: [],
    }));
  }

  async allStats(): Promise<BoxifyStatsEntry[]> {
    this.statsCount++;
    this.unreachable();
    return this.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ id: c.id, name: '/' + c.name, cpuPercent: c.cpu, memoryUsage: c.mem, memoryLimit: c.limit, pids: 2, netRx: 0, netTx: 0 }));
  }

  async listImages(): Promise<ImageSummary[]> {
    this.unreachable();
    return this.images.map((t, i) => ({ Id: 'sha256:' + i, ParentId: '', RepoTags: [t], RepoDigests: [], Created: 0, Size: 0, SharedSize: -1, Labels: {}, Containers: -1 }));
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
      Image: 'sha256:0',
      Name: '/' + c.name,
      RestartCount: 0,
      Driver: 'overlay',
      Platform: 'linux',
      LogPath: '',
      HostConfig: { NetworkMode: 'bridge', ...c.hostConfig },
      Config: { Image: c.image, Env: c.env, Cmd: c.cmd, Labels: {} },
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
    const c = this.add({ name: name ?? 'auto' + seq, image: body.Image!, state: 'created', cmd: (body.Cmd as string[]) ?? ['sh'], env: body.Env ?? [], hostConfig: body.HostConfig });
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

  logs(ref: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<LogRecord> {
    this.calls.push(`logs ${this.find(ref).name}`);
    const lines = this.logLines;
    return {
      async *[Symbol.asyncIterator]() {
        for (const l of lines) yield l;
        if (opts.follow) {
          await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve(), { once: true }));
        }
      },
    };
  }

  async nsenterInfo(ref: string): Promise<NsenterInfo> {
    this.calls.push(`nsenter ${this.find(ref).name}`);
    return { pid: 4242, cgroupProcs: ['/sys/fs/cgroup/x/cgroup.procs'], env: ['PATH=/bin'], cwd: '/', user: '' };
  }
}
