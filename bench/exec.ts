// Exec latency: one `true` run in an already running container, two ways, interleaved:
//
//   node dist/bench/exec.js [--runs 20] [--warmup 3]          (as root)
//
//   docker-cli   `docker -H unix://SOCK exec C true`, spawned and waited for (includes the
//                docker CLI's own start-up, ~tens of ms)
//   api          POST /containers/C/exec, POST /exec/ID/start (attached, output collected),
//                GET /exec/ID/json, through one long-lived BoxifyClient
//   floor-spawn  spawnSync('/bin/true'): the harness cost included in the docker-cli row
//
// Prints a markdown table (median, p90, min, max in ms) and writes the samples to
// bench/results/exec-<timestamp>.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon } from '../test/helpers/daemon.js';

const SELF = fileURLToPath(import.meta.url);
const RESULTS = path.resolve(path.dirname(SELF), '../../bench/results');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function median(s: number[]): number {
  const a = [...s].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

function p90(s: number[]): number {
  const a = [...s].sort((x, y) => x - y);
  return a[Math.max(0, Math.ceil(0.9 * a.length) - 1)]!;
}

async function main(): Promise<void> {
  const runs = arg('runs', 20);
  const warmup = arg('warmup', 3);
  const d = await startDaemon();
  const samples: Record<string, number[]> = { 'docker-cli': [], api: [], 'floor-spawn': [] };
  try {
    const { Id } = await d.client.createContainer({ Image: 'busybox', Cmd: ['sleep', '100000'] });
    await d.client.startContainer(Id);
    const env = { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CONFIG: path.join(os.tmpdir(), `bx-bench-docker-${d.id}`) };
    for (let i = 0; i < warmup + runs; i++) {
      const rec = i >= warmup;
      let t = performance.now();
      const r = spawnSync('/usr/local/bin/docker', ['exec', Id, 'true'], { env, stdio: 'pipe' });
      const cli = performance.now() - t;
      if (r.status !== 0) throw new Error(`docker exec failed (${r.status}): ${r.stderr}`);

      t = performance.now();
      const e = await d.client.execCreate(Id, { Cmd: ['true'], AttachStdout: true, AttachStderr: true });
      await d.client.execStartCollect(e.Id);
      const info = await d.client.execInspect(e.Id);
      const api = performance.now() - t;
      if (info.ExitCode !== 0) throw new Error(`exec through the API exited ${info.ExitCode}`);

      t = performance.now();
      spawnSync('/bin/true');
      const floor = performance.now() - t;
      if (rec) {
        samples['docker-cli']!.push(cli);
        samples.api!.push(api);
        samples['floor-spawn']!.push(floor);
      }
    }
    await d.client.removeContainer(Id, { force: true });
    fs.rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
  } finally {
    await d.stop();
  }
  const rows = Object.entries(samples).map(([k, s]) => ({
    bench: k,
    median: median(s),
    p90: p90(s),
    min: Math.min(...s),
    max: Math.max(...s),
  }));
  process.stdout.write(`exec latency, ${runs} runs after ${warmup} warm-ups, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}\n\n`);
  process.stdout.write('| bench | median ms | p90 ms | min ms | max ms |\n|---|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.bench} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.min.toFixed(1)} | ${r.max.toFixed(1)} |\n`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `exec-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ runs, warmup, loadavg: os.loadavg(), samples, rows }, null, 2));
  process.stdout.write(`\n${file}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
