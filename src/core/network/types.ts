// Container networking: one Linux bridge per daemon (name and subnet configurable), a veth
// pair per container with the inner end named eth0, IP leases persisted under the state
// root, and NAT for the subnet. Everything made here is named after the daemon's bridge or
// the container, so it can be listed and collected after a crash.

export interface BridgeConfig {
  /** Bridge interface name, at most 15 characters, e.g. boxify-bridge0. */
  bridge: string;
  /** IPv4 subnet in CIDR form, e.g. 10.88.0.0/16. */
  subnet: string;
  /** Gateway address on the bridge; defaults to the subnet's first host address. */
  gateway?: string;
}

export interface Attachment {
  /** Host-side veth name. */
  hostVeth: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
}
