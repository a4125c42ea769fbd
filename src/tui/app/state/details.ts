// The inspect data a person looks for, as lines for the details screen. Pure.
import type { ContainerInspect } from '../../../core/api/types.js';
import { formatBytes } from './format.js';

export function inspectLines(i: ContainerInspect): string[] {
  const out: string[] = [];
  const st = i.State;
  const hc = i.HostConfig ?? {};
  const state = st.Running
    ? `running, pid ${st.Pid}, since ${st.StartedAt}`
    : `${st.Status}${st.Status === 'exited' ? ` (${st.ExitCode})` : ''}${st.OOMKilled ? ', OOM killed' : ''}${st.FinishedAt && !st.FinishedAt.startsWith('0001') ? `, at ${st.FinishedAt}` : ''}`;
  out.push(`Name      ${i.Name.replace(/^\//, '')}`);
  out.push(`ID        ${i.Id}`);
  out.push(`Image     ${i.Config?.Image ?? i.Image}`);
  out.push(`State     ${state}${st.Error ? ` - ${st.Error}` : ''}`);
  out.push(`Created   ${i.Created}`);
  out.push(`Command   ${[i.Path, ...(i.Args ?? [])].join(' ')}`);
  if (i.Config?.WorkingDir) out.push(`Workdir   ${i.Config.WorkingDir}`);
  if (i.Config?.User) out.push(`User      ${i.Config.User}`);
  out.push('');
  out.push('Limits');
  out.push(`  memory      ${hc.Memory ? formatBytes(hc.Memory) : 'unlimited'}`);
  out.push(`  cpus        ${hc.NanoCpus ? String(hc.NanoCpus / 1e9) : hc.CpuQuota && hc.CpuPeriod ? String(hc.CpuQuota / hc.CpuPeriod) : 'unlimited'}`);
  out.push(`  cpu shares  ${hc.CpuShares || 'default'}`);
  out.push(`  pids        ${hc.PidsLimit && hc.PidsLimit > 0 ? hc.PidsLimit : 'unlimited'}`);
  out.push('');
  const ns = i.NetworkSettings;
  out.push('Network');
  out.push(`  mode        ${hc.NetworkMode ?? 'default'}`);
  const nets = Object.entries(ns?.Networks ?? {});
  if (nets.length === 0 && ns?.IPAddress) out.push(`  address     ${ns.IPAddress}/${ns.IPPrefixLen} via ${ns.Gateway}`);
  for (const [name, n] of nets) {
    out.push(`  ${name.padEnd(11)} ${n.IPAddress ? `${n.IPAddress}/${n.IPPrefixLen} via ${n.Gateway || '-'}` : 'no address'}${n.MacAddress ? `  mac ${n.MacAddress}` : ''}`);
  }
  for (const [port, binds] of Object.entries(ns?.Ports ?? {})) {
    out.push(`  port        ${port} -> ${(binds ?? []).map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`).join(', ') || 'not published'}`);
  }
  out.push('');
  const env = i.Config?.Env ?? [];
  out.push(`Env (${env.length})`);
  for (const e of env) out.push(`  ${e}`);
  out.push('');
  out.push(`Mounts (${(i.Mounts ?? []).length})`);
  for (const m of i.Mounts ?? []) out.push(`  ${m.Type} ${m.Source} -> ${m.Destination}${m.RW ? '' : ' (ro)'}`);
  const labels = Object.entries(i.Config?.Labels ?? {});
  if (labels.length > 0) {
    out.push('');
    out.push('Labels');
    for (const [k, v] of labels) out.push(`  ${k}=${v}`);
  }
  return out;
}
