// The seed's `settings.cpuLimit` is a cgroup v2 CPU weight (cpu.weight, 1..10000, default
// 100). The Docker API carries CPU weight as v1 CpuShares (2..262144, default 1024), so the
// client converts weight -> shares and the daemon converts back. Both directions round, so
// every weight survives the round trip exactly (checked for all 10000 values in the tests).

export const CPU_WEIGHT_MIN = 1;
export const CPU_WEIGHT_MAX = 10000;
export const CPU_SHARES_MIN = 2;
export const CPU_SHARES_MAX = 262144;

/** v2 weight (1..10000) -> v1 shares (2..262144): shares = 2 + (weight-1)*262142/9999. */
export function cpuWeightToShares(weight: number): number {
  return Math.round(CPU_SHARES_MIN + ((weight - 1) * (CPU_SHARES_MAX - CPU_SHARES_MIN)) / (CPU_WEIGHT_MAX - 1));
}

/** v1 shares (2..262144) -> v2 weight (1..10000), the inverse of cpuWeightToShares. */
export function cpuSharesToWeight(shares: number): number {
  const w = Math.round(1 + ((shares - CPU_SHARES_MIN) * (CPU_WEIGHT_MAX - 1)) / (CPU_SHARES_MAX - CPU_SHARES_MIN));
  return Math.min(CPU_WEIGHT_MAX, Math.max(CPU_WEIGHT_MIN, w));
}
