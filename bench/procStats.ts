import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Linux /proc readings: CPU time and memory of the processes a benchmark cares about. */

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
};

/** Resident set size now and its high-water mark, MiB, from /proc/<pid>/status. */
export const memoryMiB = (pid: number): { rss: number; peak: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
};

/** A process and its descendants (a command that runs its work in a child process), from
 * /proc/<pid>/task/<tid>/children. */
export const processTree = (pid: number): number[] => {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      const parent = tree[i]!;
      for (const tid of readdirSync(`/proc/${parent}/task`)) {
        const children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process ended in the meantime.
    }
  }
  return tree;
};

/** CPU seconds used so far by each of the given processes that still exists. */
export const cpuSecondsOf = (pids: number[]): Map<number, number> => {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      seconds.set(pid, cpuSeconds(pid));
    } catch {
      // The process ended in the meantime.
    }
  }
  return seconds;
};

/** CPU seconds used between two readings of cpuSecondsOf; a process first seen in `after` counts in full. */
export const cpuSecondsBetween = (before: Map<number, number>, after: Map<number, number>): number => {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
};

/** Busy and total CPU time of the whole machine so far (all cores), from /proc/stat. */
export const machineCpu = (): { busy: number; total: number } => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
};
