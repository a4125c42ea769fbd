// The API's views of container records: `docker ps` summaries and `docker inspect`.
import type { ContainerInspect, ContainerSummary, EndpointSettings, MountPoint } from '../api/types.js';
import { toInspectPorts, toPortSummaries } from '../network/ports.js';
import { toMountPoints } from '../volumes/index.js';
import { apiStatus, humanStatus, isRunning, type ContainerRecord } from './record.js';

export function containerSummary(r: ContainerRecord): ContainerSummary {
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.imageRef,
    ImageID: r.imageId,
    Command: [r.path, ...r.args].join(' '),
    Created: Math.floor(Date.parse(r.created) / 1000),
    Ports: toPortSummaries(isRunning(r) ? (r.ports ?? []) : [], Object.keys(r.config.ExposedPorts)),
    Labels: r.config.Labels,
    State: apiStatus(r),
    Status: humanStatus(r),
    HostConfig: { NetworkMode: r.network.mode === 'none' ? 'none' : 'default' },
    NetworkSettings: { Networks: endpoints(r) },
    Mounts: mountPoints(r),
  };
}

export function containerInspect(r: ContainerRecord, logPath: string): ContainerInspect {
  const running = isRunning(r);
  const nets = endpoints(r);
  const br = nets.bridge;
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: apiStatus(r),
      Running: running || r.state.status === 'restarting',
      Paused: !!r.state.paused,
      Restarting: r.state.status === 'restarting',
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
    LogPath: logPath,
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
    Mounts: mountPoints(r),
  };
}

/** NetworkSettings.Networks: addresses are shown only while the container runs, as Docker. */
function endpoints(r: ContainerRecord): Record<string, EndpointSettings> {
  if (r.network.mode === 'none') return {};
  const n = r.network;
  const running = isRunning(r);
  return {
    bridge: {
      NetworkID: 'bridge',
      EndpointID: running ? r.id.slice(0, 32) : '',
      Gateway: running ? n.gateway : '',
      IPAddress: running ? n.ip : '',
      IPPrefixLen: running ? n.prefixLength : 0,
      MacAddress: running ? n.mac : '',
    },
  };
}

function mountPoints(r: ContainerRecord): MountPoint[] {
  return toMountPoints(r.mounts ?? []);
}
