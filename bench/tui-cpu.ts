// CPU used by the TUI and the daemon together while the TUI shows many containers at 1 Hz:
//
//   node dist/bench/tui-cpu.js [--containers 500] [--seconds 60] [--warmup 5] [--moves 30]  (as root)
//
// Starts a test daemon on its own socket, starts N idle containers (`sleep 100000`, busybox),
// measures the daemon alone for the same period (the baseline: what the TUI adds is the
// difference), then runs the real `boxify` program in a 120x50 pseudo-terminal (output drained,
// no terminal emulator in the measured process) and measures the CPU time (utime + stime from
// /proc/PID/stat) of the TUI process and of the daemon over `seconds`, after `warmup` seconds.
// Then it presses `j` `moves` times, 300 ms apart, and times each from the key to the first
// byte of the frame that answers it, and to the end of that frame (no more output for 15 ms).
// Prints a markdown table and writes JSON to bench/results/tui-cpu-<timestamp>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node-pty';
import { CLI, DAEMON, startDaemon, type TestDaemon } from '../test/helpers/daemon.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(REPO, 'bench/results');
const CLK_TCK = 100;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The daemon of this test: the process running DAEMON with our socket in its environment. */
function daemonPid(d: TestDaemon): number {
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!cmd.includes(DAEMON)) continue;
      const env = fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      if (env.includes(`BOXIFY_SOCKET=${d.socket}`) && !cmd.includes('cleanup')) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no daemon process found for ${d.socket}`);
}

function summary(xs: number[]): { median: number; p95: number; max: number } {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), max: v[v.length - 1] ?? NaN };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(pids: number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  return pids.map((p, i) => ((cpuSeconds(p) - before[i]!) / wall) * 100);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the daemon makes namespaces and cgroups');
  const n = arg('containers', 500);
  const moves = arg('moves', 30);
  const seconds = arg('seconds', 60);
  const warmup = arg('warmup', 5);
  // More containers than a /24 holds need a larger subnet.
  const d = await startDaemon({ subnetPrefix: n > 250 ? 22 : 24 });
  const ids: string[] = [];
  try {
    process.stderr.write(`starting ${n} containers…\n`);
    const t0 = Date.now();
    // One at a time: container start-up is not what this measures.
    for (let k = 0; k < n; k++) {
      const { Id } = await d.client.createContainer({ Image: 'busybox', Cmd: ['sleep', '100000'] }, `bench-${d.id}-${k}`);
      ids.push(Id);
      try {
        await d.client.startContainer(Id);
      } catch (err) {
        let logs = '';
        for await (const r of d.client.logs(Id, { tail: 20 })) logs += r.data.toString();
        throw new Error(`container ${k} did not start: ${String(err)}\n${logs}\n${d.output().slice(-2000)}`);
      }
    }
    process.stderr.write(`${n} containers running after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const dpid = daemonPid(d);
    await sleep(warmup * 1000);
    process.stderr.write(`daemon alone for ${seconds} s…\n`);
    const [daemonAlone] = await measure([dpid], seconds);

    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...d.env, TERM: 'xterm-256color' };
    delete env['CI'];
    delete env['CONTINUOUS_INTEGRATION'];
    const tui = spawn(process.execPath, [CLI], { name: 'xterm-256color', cols: 120, rows: 50, cwd: '/', env });
    let bytes = 0;
    let seen = false;
    let lastData = 0;
    let onChunk: (() => void) | null = null;
    tui.onData((s) => {
      bytes += s.length;
      lastData = performance.now();
      if (s.includes(`bench-${d.id}-`)) seen = true;
      onChunk?.();
    });
    const deadline = Date.now() + 30_000;
    while (!seen) {
      if (Date.now() > deadline) throw new Error('the TUI did not show the containers within 30 s');
      await sleep(100);
    }
    await sleep(warmup * 1000);
    process.stderr.write(`TUI and daemon for ${seconds} s…\n`);
    const bytesBefore = bytes;
    const [tuiCpu, daemonCpu] = await measure([tui.pid, dpid], seconds);
    const tuiRss = rssMiB(tui.pid);
    const outRate = (bytes - bytesBefore) / seconds;

    process.stderr.write(`selection moves (${moves})…\n`);
    const firstByte: number[] = [];
    const frameDone: number[] = [];
    for (let k = 0; k < moves; k++) {
      await sleep(300);
      const t0 = performance.now();
      const first = new Promise<number>((resolve) => (onChunk = () => resolve(performance.now())));
      tui.write('j');
      const t1 = await Promise.race([first, sleep(5000).then(() => NaN)]);
      onChunk = null;
      while (performance.now() - lastData < 15) await sleep(5);
      firstByte.push(t1 - t0);
      frameDone.push(lastData - t0);
    }
    tui.write('q');
    await new Promise<void>((r) => tui.onExit(() => r()));

    const result = {
      date: new Date().toISOString(),
      host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release(), node: process.version },
      containers: n,
      seconds,
      cpuPercent: { daemonAlone, daemonWithTui: daemonCpu, tui: tuiCpu, total: tuiCpu! + daemonCpu!, addedByTui: tuiCpu! + daemonCpu! - daemonAlone! },
      tuiRssMiB: tuiRss,
      selectionMs: { firstByte: summary(firstByte), frameDone: summary(frameDone) },
      tuiOutputBytesPerSecond: outRate,
    };
    const c = result.cpuPercent;
    const pct = (v: number | undefined) => `${(v ?? NaN).toFixed(1)} %`;
    process.stdout.write(
      [
        `TUI showing ${n} containers at 1 Hz, ${seconds} s, ${result.host.cpus} CPUs (100 % = one core)`,
        '',
        '| process | CPU |',
        '|---|---|',
        `| daemon alone (no client) | ${pct(c.daemonAlone)} |`,
        `| daemon with the TUI | ${pct(c.daemonWithTui)} |`,
        `| TUI (\`boxify\`) | ${pct(c.tui)} |`,
        `| **TUI + daemon** | **${pct(c.total)}** |`,
        `| added by the TUI | ${pct(c.addedByTui)} |`,
        '',
        `TUI RSS ${tuiRss.toFixed(0)} MiB; terminal output ${(outRate / 1024).toFixed(1)} KiB/s`,
        '',
        `moving the selection (${moves} presses of j): key to first byte median ${result.selectionMs.firstByte.median.toFixed(1)} ms, ` +
          `p95 ${result.selectionMs.firstByte.p95.toFixed(1)} ms; key to end of frame median ${result.selectionMs.frameDone.median.toFixed(1)} ms, ` +
          `p95 ${result.selectionMs.frameDone.p95.toFixed(1)} ms`,
        '',
      ].join('\n'),
    );
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `tui-cpu-${result.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2));
    process.stderr.write(`wrote ${file}\n`);
  } finally {
    await Promise.allSettled(ids.map((id) => d.client.removeContainer(id, { force: true })));
    await d.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`tui-cpu: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
