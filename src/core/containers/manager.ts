// The container lifecycle: create, start, stop, kill, wait, remove, exec, stats, and the
// recovery a daemon does at start (re-adopt live containers, mark the rest exited, collect
// what a crash left behind). Kernel work is delegated: cgroups to ../cgroups, the network to
// ../network, the namespaces/rootfs/exec to boxify-init through ../sys/launcher.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  EndpointSettings,
  ExecCreateRequest,
  ExecInspect,
  MountPoint,
} from '../api/types.js';
import type { CgroupManager } from '../cgroups/types.js';
import { errors } from '../errors.js';
import type { EventBus } from '../events.js';
import type { ImageStore } from '../images/store.js';
import type { BridgeNetwork } from '../network/bridge.js';
import type { InitSpec } from '../sys/init-protocol.js';
import { launchContainer, readExitFile, processStartTime, isAlive } from '../sys/launcher.js';
import { enterCommand, type EnterTarget } from '../sys/enter.js';
import { resolveContainerSecurity, type ContainerSecurity } from '../security/container.js';
import { precompileSecurity } from '../security/index.js';
import { makeFifo, setBlocking } from '../sys/fifo.js';
import { writeFileAtomic } from '../fsutil.js';
import { cpuPercent, memoryInUse, readSystemCpu, readVethCounters, toDockerStats, type StatsSample } from '../stats.js';
import { LogWriter, type LogStream } from './logs.js';
import { ContainerIO, fdSink } from './io.js';
import { openPty } from '../sys/pty.js';
import tty from 'node:tty';
import type { Readable } from 'node:stream';
import { generateName } from './names.js';
import { guard, humanStatus, initialState, isRunning, type ContainerRecord } from './record.js';
import { ContainerStore } from './store.js';
import { parsePortBindings, toInspectPorts, toPortSummaries, type PortPublisher } from '../network/ports.js';
import { resolveContainerMounts, toMountPoints, type VolumeStore } from '../volumes/index.js';
import { mergeEnv, parseSignal, resolveUser, validateCreate, validateEnv, validateName } from './validate.js';

export interface ManagerDeps {
  /** State root, e.g. /var/lib/boxify. */
  root: string;
  images: ImageStore;
  cgroups: CgroupManager;
  network: BridgeNetwork;
  events: EventBus;
  ports: PortPublisher;
  volumes: VolumeStore;
  log: (msg: string) => void;
}

/** What the daemon holds for a running container (never persisted). */
interface Live {
  shim?: ChildProcess;
  writer: LogWriter;
  /** Output sources being logged: the stdout/stderr FIFOs, or the terminal's master end. */
  readers: Readable[];
  /** Polls a re-adopted container whose shim is not our child. */
  poll?: NodeJS.Timeout;
  exiting: boolean;
}

type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

interface ExecRecord {
  id: string;
  containerId: string;
  req: ExecCreateRequest;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

const EXIT_FILE = 'exit';
const LOG_FILE = 'container-json.log';

export class ContainerManager {
  readonly store: ContainerStore;
  private readonly live = new Map<string, Live>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly execs = new Map<string, ExecRecord>();
  private readonly lastCpu = new Map<string, { cpuNs: number; systemNs: number; onlineCpus: number }>();
  private readonly hostMemTotal = os.totalmem();
  private readonly ios = new Map<string, ContainerIO>();

  constructor(private readonly d: ManagerDeps) {
    this.store = new ContainerStore(path.join(d.root, 'containers'));
  }

  // ---------------------------------------------------------------- recovery

  /** Loads records and reconciles them with what is alive; collects leftovers. */
  async recover(): Promise<void> {
    for (const dir of this.store.load()) {
      this.d.log(`removing half-made container directory ${dir}`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const known = new Set<string>();
    for (const rec of this.store.all()) {
      known.add(rec.id);
      if (rec.state.status === 'running' || rec.state.status === 'restarting') {
        if (rec.state.pid && isAlive(rec.state.pid, rec.state.pidStartTime)) {
          this.d.log(`re-adopting running container ${rec.id.slice(0, 12)} (pid ${rec.state.pid})`);
          this.adopt(rec);
          continue;
        }
        await this.finishExit(rec, 'the container exited while the daemon was down');
      } else if (rec.state.status === 'removing') {
        await this.destroy(rec);
        known.delete(rec.id);
      }
    }
    const running = new Set(this.store.all().filter(isRunning).map((r) => r.id));
    for (const name of this.d.cgroups.list()) {
      if (!running.has(name)) {
        this.d.log(`removing leftover cgroup ${name}`);
        await this.d.cgroups.remove(name).catch((e) => this.d.log(`cgroup ${name}: ${String(e)}`));
      }
    }
    for (const veth of this.d.network.listHostVeths()) {
      const owner = [...running].some((id) => this.store.get(id)?.network.hostVeth === veth);
      if (!owner) {
        this.d.log(`removing leftover veth ${veth}`);
        await this.d.network.removeVeth(veth).catch((e) => this.d.log(`veth ${veth}: ${String(e)}`));
      }
    }
    await this.d.network.ipam.prune(known);
  }

  private adopt(rec: ContainerRecord): void {
    const dir = this.store.containerDir(rec.id);
    const live: Live = { writer: new LogWriter(path.join(dir, LOG_FILE)), readers: [], exiting: false };
    this.live.set(rec.id, live);
    this.readFifos(rec.id, live);
    if (rec.ports?.length) {
      this.d.ports.publish(rec.id, rec.network.ip, rec.ports).catch((e) => this.d.log(`ports of ${rec.id.slice(0, 12)}: ${String(e)}`));
    }
    live.poll = setInterval(() => {
      if (!isAlive(rec.state.pid, rec.state.pidStartTime)) void this.onExit(rec.id);
    }, 500);
  }

  // ---------------------------------------------------------------- create

  async create(body: ContainerCreateRequest, requestedName?: string): Promise<ContainerCreateResponse> {
    const imageRef = typeof body?.Image === 'string' ? body.Image : '';
    if (!imageRef) throw errors.invalid('Image', 'no image given: name an image, e.g. busybox');
    const image = this.d.images.resolve(imageRef);
    const v = validateCreate(body, image.config);
    const name = requestedName ? validateName(requestedName) : generateName((n) => !!this.store.byName(n));
    const existing = this.store.byName(name);
    if (existing) throw errors.nameInUse(name, existing.id);
    resolveUser(v.config.User, this.d.images.layerDirs(image));
    // Capabilities, seccomp, ulimits, --tmpfs: a bad value is a 400 now, not a failed start.
    const security = resolveContainerSecurity(v.hostConfig, { cgroupVersion: this.d.cgroups.version });
    // A CapAdd this host cannot grant, or a profile the compiler refuses, is a 400 here too.
    precompileSecurity(security.security);
    // Checked now so that bad ports are a 400 at create, not a failure at start.
    const portMappings = parsePortBindings(v.hostConfig.PortBindings, v.config.ExposedPorts);
    if (portMappings.length && v.networkMode === 'none') {
      throw errors.invalid('HostConfig.PortBindings', 'ports cannot be published with network mode "none"');
    }
    // Resolved once: this creates named and anonymous volumes.
    const resolved = resolveContainerMounts(v.hostConfig, this.d.volumes, { stateRoot: this.d.root });

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
    const dir = this.store.containerDir(id);
    fs.mkdirSync(path.join(dir, 'upper'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'work'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true, mode: 0o755 });
    this.store.save(rec);
    this.d.events.emit('container', 'create', id, { name, image: imageRef });
    return { Id: id, Warnings: [] };
  }

  // ---------------------------------------------------------------- start

  start(ref: string): Promise<'started' | 'already-running'> {
    const rec = this.store.resolve(ref);
    return this.withLock(rec.id, () => this.startLocked(rec.id));
  }

  private async startLocked(id: string): Promise<'started' | 'already-running'> {
    const rec = this.store.resolve(id);
    if (guard.canStart(rec) === 'already-running') return 'already-running';
    const dir = this.store.containerDir(id);
    const image = this.d.images.resolve(rec.imageId);
    const layers = this.d.images.layerDirs(image);
    const user = resolveUser(rec.config.User, layers);
    const sec: ContainerSecurity = rec.security ?? resolveContainerSecurity(rec.hostConfig, { cgroupVersion: this.d.cgroups.version });
    // Before anything is allocated: this is where a start can still fail cleanly.
    const security = precompileSecurity(sec.security);

    // Privileged: no device allowlist either (v1 devices controller), as in Docker.
    this.d.cgroups.create(id, { ...rec.limits, allowAllDevices: sec.security.privileged === true });
    const oomBefore = this.d.cgroups.stats(id).oomKills;
    let ip = '';
    if (rec.network.mode === 'bridge') ip = await this.d.network.ipam.allocate(id);
    this.writeEtcFiles(rec, dir, ip);
    // Published before launch: a taken port fails the start with nothing to kill.
    const mappings = parsePortBindings(rec.hostConfig.PortBindings, rec.config.ExposedPorts);
    rec.ports = mappings.length ? await this.d.ports.publish(id, ip, mappings) : [];
    fs.rmSync(path.join(dir, EXIT_FILE), { force: true });

    const live: Live = { writer: new LogWriter(path.join(dir, LOG_FILE)), readers: [], exiting: false };
    const io = this.io(id);
    const stdio = this.openStdio(rec, dir, io);
    const spec: InitSpec = {
      id,
      rootfs: {
        lowerDirs: layers,
        upperDir: path.join(dir, 'upper'),
        workDir: path.join(dir, 'work'),
        mergedDir: path.join(dir, 'rootfs'),
        readonly: !!rec.hostConfig.ReadonlyRootfs,
      },
      hostname: rec.config.Hostname,
      etcFiles: {
        hostname: path.join(dir, 'hostname'),
        hosts: path.join(dir, 'hosts'),
        resolvConf: path.join(dir, 'resolv.conf'),
      },
      mounts: [...rec.mounts.map(({ source, target, type, readonly, data }) => ({ source, target, type, readonly, data })), ...sec.tmpfs],
      process: {
        args: [rec.path, ...rec.args],
        env: rec.config.Env,
        cwd: rec.config.WorkingDir,
        uid: user.uid,
        gid: user.gid,
        additionalGids: user.additionalGids,
      },
      cgroupProcs: this.d.cgroups.procsFiles(id),
      cgroupNamespace: true,
      rlimits: sec.rlimits,
      security,
      maskPaths: sec.maskPaths,
      tty: !!rec.config.Tty,
    };
    let launched: Awaited<ReturnType<typeof launchContainer>>;
    try {
      launched = await launchContainer({
        spec,
        specPath: path.join(dir, 'spec.json'),
        exitFile: path.join(dir, EXIT_FILE),
        stdio: stdio.child,
        onReady: async (pid) => {
          if (rec.network.mode === 'bridge') {
            const a = await this.d.network.attach(id, pid);
            rec.network = { mode: 'bridge', ip: a.ip, prefixLength: a.prefixLength, gateway: a.gateway, mac: a.mac, hostVeth: a.hostVeth };
          } else {
            await this.d.network.loopbackOnly(pid);
          }
        },
      });
    } catch (err) {
      stdio.closeChildEnds();
      stdio.abort();
      await this.d.ports.unpublish(id);
      rec.ports = [];
      await live.writer.close();
      await this.d.cgroups.remove(id).catch(() => undefined);
      if (rec.network.hostVeth) await this.d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
      const code = (err as { exitCode?: number }).exitCode ?? 125;
      rec.state = { ...rec.state, status: rec.state.status === 'created' ? 'created' : 'exited', exitCode: code, error: (err as Error).message };
      this.store.save(rec);
      // `docker run --rm` waits for removal: a container that cannot start goes too.
      if (rec.hostConfig.AutoRemove) await this.destroy(rec);
      throw err;
    }
    // Readers first, then the daemon's copies of the child's ends are closed: a FIFO that
    // nobody has open loses what is in it, and a short command may already have exited.
    live.shim = launched.shim;
    this.live.set(id, live);
    stdio.connect(live);
    stdio.closeChildEnds();
    void launched.exited.then(() => this.onExit(id));

    rec.state = {
      ...initialState(),
      status: 'running',
      pid: launched.pid,
      shimPid: launched.shimPid,
      pidStartTime: processStartTime(launched.pid) ?? '',
      startedAt: new Date().toISOString(),
      oomKillsAtStart: oomBefore,
    };
    this.store.save(rec);
    this.d.events.emit('container', 'start', id, { name: rec.name, image: rec.imageRef });
    return 'started';
  }

  private writeEtcFiles(rec: ContainerRecord, dir: string, ip: string): void {
    const host = rec.config.Hostname;
    writeFileAtomic(path.join(dir, 'hostname'), `${host}\n`);
    const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
    if (ip) hosts.push(`${ip}\t${host}`);
    writeFileAtomic(path.join(dir, 'hosts'), hosts.join('\n') + '\n');
    // The host's resolvers, minus loopback ones that mean nothing inside the container.
    let resolv = '';
    try {
      resolv = fs
        .readFileSync('/etc/resolv.conf', 'utf8')
        .split('\n')
        .filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l))
        .join('\n');
    } catch {
      resolv = '';
    }
    writeFileAtomic(path.join(dir, 'resolv.conf'), resolv.trim() + '\n');
  }

  io(id: string): ContainerIO {
    let io = this.ios.get(id);
    if (!io) {
      io = new ContainerIO();
      this.ios.set(id, io);
    }
    return io;
  }

  /**
   * The container's stdin, stdout and stderr. With a TTY: a pseudo-terminal whose master the
   * daemon keeps. Without: stdout/stderr are FIFOs in the container directory, opened
   * read-write for the container: a FIFO that has a reader never raises SIGPIPE, so the
   * container keeps running (and blocks once the pipe is full) while the daemon is down, and
   * the restarted daemon reopens them and carries on logging. stdin (with OpenStdin) is a
   * FIFO the daemon writes; closing it gives the container end-of-file.
   */
  private openStdio(rec: ContainerRecord, dir: string, io: ContainerIO) {
    if (rec.config.Tty) {
      const [rows, cols] = rec.hostConfig.ConsoleSize?.[0] ? rec.hostConfig.ConsoleSize : io.consoleSize;
      const pty = openPty(rows, cols);
      io.ptyMaster = pty.master;
      return {
        child: [pty.slave, pty.slave, pty.slave] as [number, number, number],
        closeChildEnds: () => fs.closeSync(pty.slave),
        abort: () => {
          io.ptyMaster = undefined;
          fs.closeSync(pty.master);
        },
        connect: (live: Live) => {
          const master = new tty.ReadStream(pty.master);
          master.on('error', () => master.destroy());
          this.follow(rec.id, live, master, 'stdout');
          if (rec.config.OpenStdin) io.connectStdin(fdSink(pty.master));
        },
      };
    }
    const out = path.join(dir, 'stdout.fifo');
    const err = path.join(dir, 'stderr.fifo');
    const inp = path.join(dir, 'stdin.fifo');
    const fifos = rec.config.OpenStdin ? [out, err, inp] : [out, err];
    for (const f of fifos) {
      fs.rmSync(f, { force: true });
      makeFifo(f, 0o600);
    }
    const outFd = fs.openSync(out, 'r+');
    const errFd = fs.openSync(err, 'r+');
    let inFd: number | 'ignore' = 'ignore';
    let inWriteFd: number | undefined;
    if (rec.config.OpenStdin) {
      // The reader end opens first (non-blocking, so it does not wait for a writer), then the
      // writer; the reader is made blocking again before the container gets it.
      inFd = fs.openSync(inp, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      inWriteFd = fs.openSync(inp, fs.constants.O_WRONLY);
      setBlocking(inFd);
    }
    const childFds = [outFd, errFd, ...(typeof inFd === 'number' ? [inFd] : [])];
    return {
      child: [inFd, outFd, errFd] as [number | 'ignore', number, number],
      closeChildEnds: () => childFds.forEach((fd) => fs.closeSync(fd)),
      abort: () => {
        if (inWriteFd !== undefined) fs.closeSync(inWriteFd);
      },
      connect: (live: Live) => {
        this.readFifos(rec.id, live);
        if (inWriteFd !== undefined) {
          const w = new net.Socket({ fd: inWriteFd, readable: false, writable: true });
          w.on('error', () => undefined);
          io.connectStdin({ write: (b) => void w.write(b), end: () => void w.end() });
        }
      },
    };
  }

  private readFifos(id: string, live: Live): void {
    const dir = this.store.containerDir(id);
    for (const stream of ['stdout', 'stderr'] as const) {
      const file = path.join(dir, `${stream}.fifo`);
      let fd: number;
      try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      } catch (e) {
        this.d.log(`container ${id.slice(0, 12)}: cannot open ${file}: ${String(e)}`);
        continue;
      }
      const sock = new net.Socket({ fd, readable: true, writable: false });
      sock.on('error', () => undefined);
      this.follow(id, live, sock, stream);
    }
  }

  /** Logs a source and passes its chunks to attached clients. */
  private follow(id: string, live: Live, source: Readable, stream: LogStream): void {
    live.readers.push(source);
    const io = this.io(id);
    void live.writer.follow(source, stream);
    source.on('data', (chunk: string | Buffer) => io.output(stream, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  }

  // ---------------------------------------------------------------- exit

  private async onExit(id: string): Promise<void> {
    const live = this.live.get(id);
    if (!live || live.exiting) return;
    live.exiting = true;
    if (live.poll) clearInterval(live.poll);
    const rec = this.store.get(id);
    if (!rec) return;
    await this.finishExit(rec);
  }

  /** Records how the container ended and releases what only a running container needs. */
  private async finishExit(rec: ContainerRecord, note = ''): Promise<void> {
    const id = rec.id;
    const dir = this.store.containerDir(id);
    // The shim writes the exit file just after the container ends; after a restart it may
    // still be on its way.
    let code = readExitFile(path.join(dir, EXIT_FILE));
    for (let i = 0; code === null && i < 40 && rec.state.shimPid && isAlive(rec.state.shimPid, ''); i++) {
      await new Promise((r) => setTimeout(r, 50));
      code = readExitFile(path.join(dir, EXIT_FILE));
    }
    let oomKilled = false;
    try {
      oomKilled = this.d.cgroups.stats(id).oomKills > rec.state.oomKillsAtStart;
    } catch {
      /* no cgroup: no OOM information */
    }
    const live = this.live.get(id);
    if (live) {
      // Readers end by themselves at EOF; give them a moment to drain, then close.
      await Promise.race([
        Promise.all(live.readers.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r))))),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      for (const s of live.readers) s.destroy();
      await live.writer.close();
      this.live.delete(id);
    }
    const io = this.ios.get(id);
    if (io) {
      // The terminal's master fd was closed with its reader stream above.
      io.ptyMaster = undefined;
      io.disconnectStdin();
      io.ended();
    }
    await this.d.ports.unpublish(id);
    rec.ports = [];
    await this.d.cgroups.remove(id).catch((e) => this.d.log(`cgroup ${id.slice(0, 12)}: ${String(e)}`));
    if (rec.network.hostVeth) await this.d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
    rec.state = {
      ...rec.state,
      status: 'exited',
      pid: 0,
      shimPid: 0,
      exitCode: code ?? (oomKilled ? 137 : 255),
      oomKilled,
      error: code === null && note ? note : '',
      finishedAt: new Date().toISOString(),
    };
    rec.network = { ...rec.network, hostVeth: '' };
    this.store.save(rec);
    this.lastCpu.delete(id);
    this.d.events.emit('container', oomKilled ? 'oom' : 'die', id, { name: rec.name, image: rec.imageRef, exitCode: String(rec.state.exitCode) });
    if (oomKilled) this.d.events.emit('container', 'die', id, { name: rec.name, image: rec.imageRef, exitCode: String(rec.state.exitCode) });
    this.wake(id, ['not-running', 'next-exit'], rec.state.exitCode);
    if (rec.hostConfig.AutoRemove) await this.remove(id, { force: true }).catch((e) => this.d.log(`auto-remove: ${String(e)}`));
  }

  // ---------------------------------------------------------------- stop, kill, wait

  stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<'stopped' | 'not-running'> {
    const rec = this.store.resolve(ref);
    return this.withLock(rec.id, () => this.stopLocked(rec.id, opts));
  }

  private async stopLocked(id: string, opts: { timeout?: number; signal?: string }): Promise<'stopped' | 'not-running'> {
    const rec = this.store.resolve(id);
    if (!isRunning(rec)) return 'not-running';
    const sig = parseSignal(opts.signal || rec.config.StopSignal, 'signal');
    const timeout = opts.timeout ?? rec.config.StopTimeout;
    const exited = this.waitExit(id);
    this.signal(rec, sig);
    if (timeout >= 0) {
      const t = setTimeout(() => {
        if (isRunning(rec)) this.signal(rec, 9);
      }, timeout * 1000);
      await exited;
      clearTimeout(t);
    } else {
      await exited;
    }
    return 'stopped';
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const rec = this.store.resolve(ref);
    const sig = parseSignal(signal, 'signal');
    guard.canSignal(rec);
    this.signal(rec, sig);
  }

  private signal(rec: ContainerRecord, sig: number): void {
    try {
      process.kill(rec.state.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  async restart(ref: string, timeout?: number): Promise<void> {
    const rec = this.store.resolve(ref);
    await this.withLock(rec.id, async () => {
      await this.stopLocked(rec.id, { timeout });
      rec.restartCount++;
      await this.startLocked(rec.id);
    });
  }

  /** Resolves with the exit code when the condition is met. Registered before it returns. */
  wait(ref: string, condition: WaitCondition = 'not-running'): Promise<number> {
    const rec = this.store.resolve(ref);
    if (condition === 'not-running' && !isRunning(rec)) return Promise.resolve(rec.state.exitCode);
    return new Promise((resolve) => {
      const list = this.waiters.get(rec.id) ?? [];
      list.push({ condition, resolve });
      this.waiters.set(rec.id, list);
    });
  }

  private waitExit(id: string): Promise<number> {
    return this.wait(id, 'next-exit');
  }

  private wake(id: string, conditions: WaitCondition[], code: number): void {
    const list = this.waiters.get(id);
    if (!list) return;
    const keep: Waiter[] = [];
    for (const w of list) (conditions.includes(w.condition) ? w.resolve(code) : keep.push(w));
    if (keep.length) this.waiters.set(id, keep);
    else this.waiters.delete(id);
  }

  // ---------------------------------------------------------------- remove

  remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.store.resolve(ref);
    return this.withLock(rec.id, async () => {
      const cur = this.store.get(rec.id);
      if (!cur) return;
      guard.canRemove(cur, !!opts.force);
      if (isRunning(cur)) {
        const exited = this.waitExit(cur.id);
        this.signal(cur, 9);
        await exited;
      }
      await this.destroy(cur, !!opts.volumes);
    });
  }

  private async destroy(rec: ContainerRecord, removeVolumes = false): Promise<void> {
    rec.state.status = 'removing';
    this.store.save(rec);
    await this.d.ports.unpublish(rec.id);
    // Anonymous volumes go with `rm -v` (or --rm); named volumes only when asked for by name.
    if (removeVolumes || rec.hostConfig.AutoRemove) {
      for (const v of rec.anonymousVolumes ?? []) {
        try {
          this.d.volumes.remove(v, { force: true, inUse: this.store.all().some((o) => o.id !== rec.id && o.volumes?.includes(v)) });
        } catch (e) {
          this.d.log(`volume ${v}: ${String(e)}`);
        }
      }
    }
    await this.d.cgroups.remove(rec.id).catch(() => undefined);
    if (rec.network.hostVeth) await this.d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
    await this.d.network.ipam.release(rec.id);
    this.store.delete(rec.id);
    this.ios.delete(rec.id);
    for (const [eid, e] of this.execs) if (e.containerId === rec.id) this.execs.delete(eid);
    this.d.events.emit('container', 'destroy', rec.id, { name: rec.name, image: rec.imageRef });
    this.wake(rec.id, ['removed', 'not-running', 'next-exit'], rec.state.exitCode);
  }

  rename(ref: string, newName: string): void {
    const rec = this.store.resolve(ref);
    const name = validateName(newName);
    const other = this.store.byName(name);
    if (other && other.id !== rec.id) throw errors.nameInUse(name, other.id);
    rec.name = name;
    this.store.save(rec);
    this.d.events.emit('container', 'rename', rec.id, { name });
  }

  // ---------------------------------------------------------------- views

  resolve(ref: string): ContainerRecord {
    return this.store.resolve(ref);
  }

  volumeInUse(name: string): boolean {
    return this.store.all().some((r) => r.volumes?.includes(name));
  }

  /** The short ID of a container made from the image, or false: rmi names it as Docker does. */
  imageInUse(imageId: string): string | false {
    return this.store.all().find((r) => r.imageId === imageId)?.id.slice(0, 12) ?? false;
  }

  logPath(id: string): string {
    return path.join(this.store.containerDir(id), LOG_FILE);
  }

  list(all: boolean): ContainerSummary[] {
    return this.store
      .all()
      .filter((r) => all || isRunning(r))
      .sort((a, b) => b.created.localeCompare(a.created))
      .map((r) => this.summary(r));
  }

  private summary(r: ContainerRecord): ContainerSummary {
    return {
      Id: r.id,
      Names: [`/${r.name}`],
      Image: r.imageRef,
      ImageID: r.imageId,
      Command: [r.path, ...r.args].join(' '),
      Created: Math.floor(Date.parse(r.created) / 1000),
      Ports: toPortSummaries(isRunning(r) ? (r.ports ?? []) : [], Object.keys(r.config.ExposedPorts)),
      Labels: r.config.Labels,
      State: r.state.status,
      Status: humanStatus(r),
      HostConfig: { NetworkMode: r.network.mode === 'none' ? 'none' : 'default' },
      NetworkSettings: { Networks: this.networks(r) },
      Mounts: this.mountPoints(r),
    };
  }

  private networks(r: ContainerRecord): Record<string, EndpointSettings> {
    if (r.network.mode === 'none') return {};
    const n = r.network;
    return {
      bridge: {
        NetworkID: 'bridge',
        EndpointID: isRunning(r) ? r.id.slice(0, 32) : '',
        Gateway: isRunning(r) ? n.gateway : '',
        IPAddress: isRunning(r) ? n.ip : '',
        IPPrefixLen: isRunning(r) ? n.prefixLength : 0,
        MacAddress: isRunning(r) ? n.mac : '',
      },
    };
  }

  private mountPoints(r: ContainerRecord): MountPoint[] {
    return toMountPoints(r.mounts ?? []);
  }

  inspect(ref: string): ContainerInspect {
    const r = this.store.resolve(ref);
    const running = isRunning(r);
    const nets = this.networks(r);
    const br = nets.bridge;
    return {
      Id: r.id,
      Created: r.created,
      Path: r.path,
      Args: r.args,
      State: {
        Status: r.state.status,
        Running: running,
        Paused: false,
        Restarting: false,
        OOMKilled: r.state.oomKilled,
        Dead: r.state.status === 'dead',
        Pid: r.state.pid,
        ExitCode: r.state.exitCode,
        Error: r.state.error,
        StartedAt: r.state.startedAt,
        FinishedAt: r.state.finishedAt,
      },
      Image: r.imageId,
      Name: `/${r.name}`,
      RestartCount: r.restartCount,
      Driver: 'overlay',
      Platform: 'linux',
      LogPath: this.logPath(r.id),
      HostConfig: { ...r.hostConfig, NetworkMode: r.network.mode === 'none' ? 'none' : (r.hostConfig.NetworkMode || 'bridge') },
      Config: { ...r.config, Cmd: r.config.Cmd, Entrypoint: r.config.Entrypoint.length ? r.config.Entrypoint : null },
      NetworkSettings: {
        Ports: toInspectPorts(running ? (r.ports ?? []) : [], Object.keys(r.config.ExposedPorts)),
        IPAddress: br?.IPAddress ?? '',
        IPPrefixLen: br?.IPPrefixLen ?? 0,
        Gateway: br?.Gateway ?? '',
        MacAddress: br?.MacAddress ?? '',
        Networks: nets,
      },
      Mounts: this.mountPoints(r),
    };
  }

  // ---------------------------------------------------------------- stats

  sample(ref: string): StatsSample {
    const r = this.store.resolve(ref);
    const now = new Date();
    const system = readSystemCpu();
    if (!isRunning(r)) {
      return {
        read: now,
        system,
        net: null,
        cgroup: {
          cpuUsageNs: 0, cpuUserNs: 0, cpuSystemNs: 0,
          throttling: { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 },
          memoryUsage: 0, memoryLimit: null, memoryStat: {}, inactiveFile: 0, oomKills: 0,
          pidsCurrent: 0, pidsLimit: null, ioServiceBytes: [],
        },
      };
    }
    return { read: now, system, cgroup: this.d.cgroups.stats(r.id), net: r.network.hostVeth ? readVethCounters(r.network.hostVeth) : null };
  }

  dockerStats(ref: string, cur: StatsSample, prev?: StatsSample) {
    const r = this.store.resolve(ref);
    return toDockerStats(r.id, r.name, cur, prev, this.hostMemTotal);
  }

  /** One sample of every running container, CPU % since the previous call's sample. */
  allStats(): BoxifyStatsEntry[] {
    const system = readSystemCpu();
    const out: BoxifyStatsEntry[] = [];
    for (const r of this.store.all()) {
      if (!isRunning(r)) continue;
      let c;
      try {
        c = this.d.cgroups.stats(r.id);
      } catch {
        continue;
      }
      const cur = { cpuNs: c.cpuUsageNs, systemNs: system.systemNs, onlineCpus: system.onlineCpus };
      const pct = cpuPercent(this.lastCpu.get(r.id), cur);
      this.lastCpu.set(r.id, cur);
      const netc = r.network.hostVeth ? readVethCounters(r.network.hostVeth) : null;
      out.push({
        id: r.id,
        name: r.name,
        cpuPercent: pct,
        memoryUsage: memoryInUse(c),
        memoryLimit: c.memoryLimit === null ? this.hostMemTotal : Math.min(c.memoryLimit, this.hostMemTotal),
        pids: c.pidsCurrent,
        netRx: netc?.rx_bytes ?? 0,
        netTx: netc?.tx_bytes ?? 0,
      });
    }
    return out;
  }

  top(ref: string): { Titles: string[]; Processes: string[][] } {
    const r = this.store.resolve(ref);
    guard.canExec(r);
    const rows: string[][] = [];
    for (const pid of this.d.cgroups.pids(r.id)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        const uid = /Uid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
        rows.push([uid === '0' ? 'root' : uid, String(pid), ppid, cmd]);
      } catch {
        /* exited meanwhile */
      }
    }
    return { Titles: ['UID', 'PID', 'PPID', 'CMD'], Processes: rows };
  }

  // ---------------------------------------------------------------- exec

  /**
   * How to enter a running container with its own confinement: the same for docker exec
   * and for the CLI/TUI shell (GET /boxify/containers/{id}/nsenter).
   */
  enterTarget(ref: string): EnterTarget & { user: string } {
    const r = this.store.resolve(ref);
    guard.canExec(r);
    return { ...this.targetFor(r, { user: r.config.User, cwd: r.config.WorkingDir, env: r.config.Env, privileged: false }), user: r.config.User };
  }

  private targetFor(r: ContainerRecord, o: { user: string; cwd: string; env: string[]; privileged: boolean }): EnterTarget {
    const image = this.d.images.resolve(r.imageId);
    const user = resolveUser(o.user, this.d.images.layerDirs(image));
    const version = this.d.cgroups.version;
    const sec = r.security ?? resolveContainerSecurity(r.hostConfig, { cgroupVersion: version });
    // `exec --privileged` lifts the confinement, as in Docker.
    const security = o.privileged ? resolveContainerSecurity({ Privileged: true }, { cgroupVersion: version }).security : sec.security;
    return {
      pid: r.state.pid,
      pidStartTime: r.state.pidStartTime,
      cgroupProcs: this.d.cgroups.procsFiles(r.id),
      cwd: o.cwd,
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      env: o.env,
      security,
      rlimits: sec.rlimits,
    };
  }

  execCreate(ref: string, req: ExecCreateRequest): { Id: string } {
    const r = this.store.resolve(ref);
    guard.canExec(r);
    if (!req || !Array.isArray(req.Cmd) || req.Cmd.length === 0 || req.Cmd.some((c) => typeof c !== 'string')) {
      throw errors.invalid('Cmd', 'exec needs a command: a non-empty list of strings');
    }
    validateEnv(req.Env ?? [], 'Env');
    if (req.WorkingDir && !path.isAbsolute(req.WorkingDir)) throw errors.invalid('WorkingDir', 'must be an absolute path');
    const id = crypto.randomBytes(32).toString('hex');
    this.execs.set(id, { id, containerId: r.id, req, running: false, exitCode: null, pid: 0 });
    this.d.events.emit('container', `exec_create: ${req.Cmd.join(' ')}`, r.id, { name: r.name, execID: id });
    return { Id: id };
  }

  execInspect(id: string): ExecInspect {
    const e = this.execs.get(id);
    if (!e) throw errors.noSuchExec(id);
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      Pid: e.pid,
      ContainerID: e.containerId,
      OpenStdin: !!e.req.AttachStdin,
      OpenStdout: e.req.AttachStdout !== false,
      OpenStderr: e.req.AttachStderr !== false,
      ProcessConfig: {
        tty: !!e.req.Tty,
        entrypoint: e.req.Cmd[0]!,
        arguments: e.req.Cmd.slice(1),
        privileged: !!e.req.Privileged,
        user: e.req.User ?? '',
      },
    };
  }

  /**
   * Prepares an exec'd process: the argv that joins the container's cgroup and namespaces,
   * and its environment. The caller spawns it (with pipes or a pseudo-terminal) and reports
   * the PID and the exit code, which is recorded before the client is told the stream ended.
   */
  execPrepare(id: string): {
    file: string;
    args: string[];
    env: Record<string, string>;
    tty: boolean;
    started: (pid: number) => void;
    finished: (code: number) => void;
  } {
    const e = this.execs.get(id);
    if (!e) throw errors.noSuchExec(id);
    if (e.running || e.exitCode !== null) throw errors.conflict(`exec ${id} has already been started`);
    const r = this.store.resolve(e.containerId);
    guard.canExec(r);
    const envList = mergeEnv(r.config.Env, e.req.Tty ? ['TERM=xterm'] : [], e.req.Env ?? []);
    // cmd.env carries the exec spec for boxify-init; the command itself gets envList.
    const cmd = enterCommand(
      this.targetFor(r, { user: e.req.User || r.config.User, cwd: e.req.WorkingDir || r.config.WorkingDir, env: envList, privileged: !!e.req.Privileged }),
      e.req.Cmd,
    );
    e.running = true;
    return {
      ...cmd,
      tty: !!e.req.Tty,
      started: (pid) => {
        e.pid = pid;
        this.d.events.emit('container', `exec_start: ${e.req.Cmd.join(' ')}`, r.id, { name: r.name, execID: id });
      },
      finished: (code) => {
        e.running = false;
        e.exitCode = code;
        this.d.events.emit('container', 'exec_die', r.id, { name: r.name, execID: id, exitCode: String(code) });
      },
    };
  }

  // ---------------------------------------------------------------- shutdown

  /** Daemon stop: containers keep running; stop reading their output. */
  async detachAll(): Promise<void> {
    await this.d.ports.unpublishAll();
    for (const [, live] of this.live) {
      if (live.poll) clearInterval(live.poll);
      for (const s of live.readers) s.destroy();
      live.shim?.unref();
      await live.writer.close();
    }
    this.live.clear();
  }

  /** `boxifyd cleanup`: kill and remove every container of this state root. */
  async removeAll(): Promise<void> {
    for (const r of this.store.all()) {
      if (isRunning(r) && r.state.pid && isAlive(r.state.pid, r.state.pidStartTime)) {
        if (!this.live.has(r.id)) this.adopt(r);
      } else if (isRunning(r)) {
        r.state.status = 'exited';
      }
      await this.remove(r.id, { force: true }).catch((e) => this.d.log(`remove ${r.id.slice(0, 12)}: ${String(e)}`));
    }
  }

  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }
}


