import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime. */
export const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface CpuSample {
  /** `performance.now()`-like wall time in ms (Date.now()). */
  at: number;
  /** user + system time of every thread of the process, in ms. */
  cpuMs: number;
}

/** utime + stime of a process (all its threads) from /proc/PID/stat. */
export function readCpu(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { at: Date.now(), cpuMs: ((utime + stime) * 1000) / CLK_TCK };
}

/** % of one core used between two samples. */
export function cpuPercent(from: CpuSample, to: CpuSample): number {
  const wall = to.at - from.at;
  return wall > 0 ? ((to.cpuMs - from.cpuMs) / wall) * 100 : 0;
}

/** Resident set size in bytes (VmRSS of /proc/PID/status). */
export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

export interface FdCounts {
  fds: number;
  sockets: number;
  /** UDP sockets (v4 + v6) this process holds. */
  udp: number;
  /** Datagrams the kernel dropped on those sockets (receive buffer full): real packet loss. */
  udpDrops: number;
  /** Bytes waiting in those sockets' receive queues. */
  udpRxQueue: number;
}

/**
 * Open file descriptors of a process, and its UDP sockets: the socket inodes of
 * /proc/PID/fd matched against /proc/PID/net/udp{,6} (which list the whole network namespace).
 */
export function readFds(pid: number): FdCounts {
  const inodes = new Set<string>();
  let fds = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) {
        inodes.add(match[1]);
      }
    } catch {
      // closed meanwhile
    }
  }
  let udp = 0;
  let udpDrops = 0;
  let udpRxQueue = 0;
  for (const table of ['udp', 'udp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !inodes.has(cols[9])) {
        continue;
      }
      udp++;
      udpRxQueue += parseInt(cols[4].split(':')[1] ?? '0', 16);
      udpDrops += Number(cols[12] ?? 0);
    }
  }
  return { fds, sockets: inodes.size, udp, udpDrops, udpRxQueue };
}

/** Whether `taskset` is on PATH. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a running process to the given CPU list (e.g. "0"); false if it cannot. */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPUs this process may run on (from /proc/self/status), e.g. "0-1". */
export function allowedCpus(pid: number | 'self' = 'self'): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s+(\S+)/m.exec(status)?.[1] ?? '?';
}

export interface ThreadCpu {
  /** ms of user and system time per thread name (threads of one name summed). */
  byName: Record<string, { userMs: number; sysMs: number }>;
  at: number;
}

/**
 * CPU time of each thread of a process (/proc/PID/task/TID/stat), grouped by thread name;
 * the main thread (TID = PID) is reported as `main` (Node's helper threads are all "node").
 */
export function readThreads(pid: number): ThreadCpu {
  const byName: ThreadCpu['byName'] = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = tid === String(pid) ? 'main' : `other (${comm})`;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const entry = (byName[name] ??= { userMs: 0, sysMs: 0 });
      entry.userMs += (Number(fields[11]) * 1000) / CLK_TCK;
      entry.sysMs += (Number(fields[12]) * 1000) / CLK_TCK;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { byName, at: Date.now() };
}

/** % of one core per thread name (user + sys) and in total, between two readings. */
export function threadPercent(
  from: ThreadCpu,
  to: ThreadCpu,
): { userPct: number; sysPct: number; byName: Record<string, number> } {
  const wall = to.at - from.at || 1;
  let user = 0;
  let sys = 0;
  const byName: Record<string, number> = {};
  for (const [name, t] of Object.entries(to.byName)) {
    const f = from.byName[name] ?? { userMs: 0, sysMs: 0 };
    const du = Math.max(0, t.userMs - f.userMs);
    const ds = Math.max(0, t.sysMs - f.sysMs);
    user += du;
    sys += ds;
    byName[name] = Math.round(((du + ds) / wall) * 1000) / 10;
  }
  return {
    userPct: Math.round((user / wall) * 1000) / 10,
    sysPct: Math.round((sys / wall) * 1000) / 10,
    byName,
  };
}

export interface CoreSample {
  at: number;
  /** Busy ms of each CPU (user, nice, system, irq, softirq, steal), from /proc/stat. */
  busyMs: number[];
}

/** Busy time of every CPU, to see what else ran on the server's core. */
export function readCores(): CoreSample {
  const busyMs: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user, nice, system, , , irq, softirq, steal] = m[2].split(/\s+/).map(Number);
    busyMs[Number(m[1])] = ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / CLK_TCK;
  }
  return { at: Date.now(), busyMs };
}

/** % busy of each CPU between two samples. */
export function corePercent(from: CoreSample, to: CoreSample): number[] {
  const wall = to.at - from.at || 1;
  return to.busyMs.map((b, i) => Math.round(((b - (from.busyMs[i] ?? 0)) / wall) * 1000) / 10);
}
