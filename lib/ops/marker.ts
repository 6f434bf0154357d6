// How the command line knows a process runs the register hook before it
// signals it (a Node process without a handler dies of SIGUSR2): the hook
// leaves a marker, readable by its user only, naming its pid, its report
// signal and directory, and when the process started; it goes at exit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Marker {
  pid: number;
  signal: string;
  reportDir: string;
  /** The process's start as the kernel counts it (Linux: /proc/<pid>/stat), so a reused pid is told apart. */
  startTime?: string;
}

/** This user's marker directory. */
export function markerDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `sockctl-${uid}`);
}

export function markerPath(pid: number): string {
  return path.join(markerDir(), `${pid}.json`);
}

/** Linux: field 22 of /proc/<pid>/stat, the process's start in clock ticks since boot. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Leaves this process's marker; returns the function that removes it. */
export function leaveMarker(signal: string, reportDir: string): () => void {
  const dir = markerDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = markerPath(process.pid);
  const marker: Marker = {
    pid: process.pid,
    signal,
    reportDir: path.resolve(reportDir),
    startTime: startTimeOf(process.pid),
  };
  fs.writeFileSync(file, JSON.stringify(marker), { mode: 0o600 });
  return () => fs.rmSync(file, { force: true });
}

/** The marker of a live process `pid` of this user that runs the hook, or why there is none. */
export function findMarker(pid: number): Marker | string {
  let marker: Marker;
  try {
    const file = markerPath(pid);
    const st = fs.statSync(file);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return `the marker of ${pid} is not yours`;
    marker = JSON.parse(fs.readFileSync(file, 'utf8')) as Marker;
  } catch {
    return `process ${pid} does not run sockctl's register hook (start it with --import sockctl/register)`;
  }
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EPERM' ? `process ${pid} belongs to another user` : `process ${pid} is not running`;
  }
  const now = startTimeOf(pid);
  if (marker.pid !== pid || (marker.startTime !== undefined && now !== undefined && now !== marker.startTime)) {
    // A process that was killed left its marker, and its pid went to this one.
    return `process ${pid} does not run sockctl's register hook (the marker for its pid was left by an earlier process)`;
  }
  return marker;
}
