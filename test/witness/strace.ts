// Linux: the one strace harness, a witness outside sockctl of the system
// calls a program makes and their order. It runs a plain-Node child under
// `strace -f` and parses the calls it traced.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Syscall {
  call: string;
  fd: number;
  /** Everything after the descriptor, as strace prints it. */
  args: string;
  rc: number;
  line: string;
}

/** Whether strace can trace a child here: installed, and allowed to ptrace. */
export function straceWorks(): boolean {
  const r = spawnSync('strace', ['-qq', '-e', 'trace=none', process.execPath, '-e', '0'], { timeout: 30_000 });
  return r.status === 0;
}

/**
 * Runs `script` (JavaScript, run as a file) with `args` under strace,
 * tracing the system calls named in `calls`, each of which takes a
 * descriptor first. Returns the child's stdout, and the calls that
 * returned, in order, from every thread and process.
 */
export async function straceNode(
  script: string,
  args: string[],
  calls: string[],
): Promise<{ stdout: string; calls: Syscall[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-strace-'));
  try {
    const file = path.join(dir, 'child.js');
    const trace = path.join(dir, 'trace');
    fs.writeFileSync(file, script);
    const strace = ['-f', '-qq', '-o', trace, '-e', `trace=${calls.join(',')}`, process.execPath, file, ...args];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('strace', strace, { timeout: 30_000, encoding: 'utf8' }, (err, out, stderr) => {
        if (err) reject(new Error(`strace ${err.message}\n${stderr}`));
        else resolve(out);
      });
    });
    const pattern = new RegExp(`^(?:\\[pid\\s+)?\\d+\\]?\\s+(${calls.join('|')})\\((\\d+), (.*)\\)\\s+= (-?\\d+)`);
    const traced: Syscall[] = [];
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
      const m = pattern.exec(line);
      if (m) traced.push({ call: m[1], fd: Number(m[2]), args: m[3], rc: Number(m[4]), line });
    }
    return { stdout, calls: traced };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
