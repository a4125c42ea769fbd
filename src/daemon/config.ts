// boxifyd's configuration: flags first, then environment, then defaults. Every daemon has its
// own socket, state root, bridge and subnet, so tests (and users) can run several side by side.
import crypto from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BoxifyError } from '../core/errors.js';
import { parseCidr, validateBridgeName } from '../core/network/ipam.js';

export interface DaemonConfig {
  command: 'serve' | 'cleanup';
  socket: string;
  root: string;
  bridge: string;
  subnet: string;
  gateway?: string;
  /** Names this daemon's cgroup directory: derived from the state root, stable across restarts. */
  instance: string;
  /** The seed's hand-extracted rootfs, registered as an image when present. */
  seedRootfs: string;
  debug: boolean;
}

export const DEFAULTS = {
  socket: '/var/run/boxify.sock',
  root: '/var/lib/boxify',
  bridge: 'boxify-bridge0',
  subnet: '10.88.0.0/16',
};

export const USAGE = `Usage: boxifyd [serve|cleanup] [options]

  serve (default)   run the daemon: the Docker-compatible API on a Unix socket
  cleanup           remove every container of this state root, the bridge, its NAT rules
                    and cgroups (the daemon must be stopped first)

Options (environment variable in brackets):
  --socket PATH     API socket [BOXIFY_SOCKET]            default ${DEFAULTS.socket}
  --root DIR        state root [BOXIFY_ROOT]              default ${DEFAULTS.root}
  --bridge NAME     bridge interface [BOXIFY_BRIDGE]      default ${DEFAULTS.bridge}
  --subnet CIDR     container subnet [BOXIFY_SUBNET]      default ${DEFAULTS.subnet}
  --gateway IP      bridge address [BOXIFY_GATEWAY]       default: first address of the subnet
  --debug           log more [BOXIFY_DEBUG=1]
  -h, --help        this text
`;

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): DaemonConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        socket: { type: 'string' },
        root: { type: 'string' },
        bridge: { type: 'string' },
        subnet: { type: 'string' },
        gateway: { type: 'string' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new BoxifyError('invalid_argument', `${(e as Error).message}\n\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const cmd = parsed.positionals[0] ?? 'serve';
  if (cmd !== 'serve' && cmd !== 'cleanup') {
    throw new BoxifyError('invalid_argument', `unknown command "${cmd}": use serve or cleanup\n\n${USAGE}`);
  }
  const root = path.resolve(v.root ?? env.BOXIFY_ROOT ?? DEFAULTS.root);
  const socket = path.resolve(v.socket ?? env.BOXIFY_SOCKET ?? DEFAULTS.socket);
  const bridge = validateBridgeName(v.bridge ?? env.BOXIFY_BRIDGE ?? DEFAULTS.bridge, 'bridge');
  const subnet = v.subnet ?? env.BOXIFY_SUBNET ?? DEFAULTS.subnet;
  parseCidr(subnet, 'subnet');
  return {
    command: cmd,
    socket,
    root,
    bridge,
    subnet,
    gateway: v.gateway ?? env.BOXIFY_GATEWAY ?? undefined,
    instance: crypto.createHash('sha256').update(root).digest('hex').slice(0, 12),
    seedRootfs: path.join(DEFAULTS.root, 'boxify-rootfs'),
    debug: !!v.debug || env.BOXIFY_DEBUG === '1',
  };
}
