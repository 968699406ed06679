/** The p-th percentile (nearest rank) of some measurements. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** Milliseconds of CPU (user and system, all of the process's threads) in a process.cpuUsage() difference. */
export const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
