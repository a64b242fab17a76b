import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP states as /proc/net/tcp writes them (hex). */
const ESTABLISHED = '01';

/**
 * The ESTABLISHED TCP connections that process `pid` holds to `port` on any address: its
 * socket inodes (from /proc/<pid>/fd) matched against /proc/<pid>/net/tcp and tcp6, whose
 * remote address ends in the port. Linux only; a process that exits meanwhile reads as 0.
 */
export function tcpConnectionsTo(pid: number, port: number): number {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return 0;
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [, , remote, state, , , , , , inode] = fields;
      if (!remote || state !== ESTABLISHED || inode === undefined) continue;
      if (remote.slice(remote.indexOf(':') + 1) === portHex && inodes.has(inode)) count += 1;
    }
  }
  return count;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed between readdir and readlink.
    }
  }
  return inodes;
}

/**
 * Samples tcpConnectionsTo every `intervalMs` until stopped and keeps the highest count seen.
 * `pid` may be a function, for a process still being started (ProcessSupervisor.running lists
 * a component from its spawn on): samples before it answers read as 0.
 */
export function sampleTcpConnections(
  pid: number | (() => number | undefined),
  port: number,
  intervalMs = 20,
): { readonly max: number; readonly samples: number; stop(): void } {
  const state = { max: 0, samples: 0 };
  const sample = () => {
    const current = typeof pid === 'number' ? pid : pid();
    if (current === undefined) return;
    state.max = Math.max(state.max, tcpConnectionsTo(current, port));
    state.samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    get max() {
      return state.max;
    },
    get samples() {
      return state.samples;
    },
    stop: () => clearInterval(timer),
  };
}
