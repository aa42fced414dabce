import { cpus, loadavg, totalmem } from "node:os";

/** The machine a benchmark ran on, written next to its numbers. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  date: string;
  /** `os.loadavg()` (1, 5 and 15 minutes) when the run started: on a shared machine it moves the figures. */
  loadAverage: number[];
  /** The same when the run ended. */
  loadAverageAtEnd?: number[];
}

/** The load average now (1, 5, 15 minutes), to one decimal. */
export function currentLoad(): number[] {
  return loadavg().map((load) => Math.round(load * 10) / 10);
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: currentLoad(),
  };
}
