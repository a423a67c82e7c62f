/**
 * P3's two yardsticks for a pipeline of two stages. "x the slower stage" assumes the stages have a
 * core each; on one machine where the sshd peer shares the cores, a pipeline also cannot finish
 * before all its CPU work is done on the cores there are: its fastest possible time is
 *   bound = max(slower stage's wall, (CPU of stage A + CPU of stage B, sshd's included) / cores).
 */
export interface StageFigure {
  /** Wall time of the stage run alone. */
  ms: number;
  /** CPU seconds it took alone: Lifeboat's process (all threads) plus the sshd serving it. */
  cpuS: number;
}

export interface Yardsticks {
  /** Slower stage's time / the pipeline's (1.0 = the pipeline costs no more than its slower stage). */
  vsSlowerStage: number;
  /** The CPU bound's time / the pipeline's (1.0 = as fast as this machine's cores allow). */
  vsCpuBound: number;
  /** The bound as a rate, MB/s (10^6 bytes). */
  boundMBps: number;
  /** True when the CPU, not the slower stage, sets the bound. */
  cpuLimited: boolean;
}

export function yardsticks(bytes: number, a: StageFigure, b: StageFigure, pipelineMs: number, cores: number): Yardsticks {
  if (!(pipelineMs > 0) || !(cores > 0)) throw new Error(`bad pipeline time ${pipelineMs} ms or core count ${cores}`);
  const slowerMs = Math.max(a.ms, b.ms);
  const cpuMs = ((a.cpuS + b.cpuS) / cores) * 1000;
  const boundMs = Math.max(slowerMs, cpuMs);
  return {
    vsSlowerStage: slowerMs / pipelineMs,
    vsCpuBound: boundMs / pipelineMs,
    boundMBps: bytes / 1e6 / (boundMs / 1000),
    cpuLimited: cpuMs > slowerMs,
  };
}
