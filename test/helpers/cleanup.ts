// What a test opens is closed after it, whatever happened in it.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const cleanups: Array<() => void> = [];

/** Runs after the current test, whatever happened in it. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

afterEach(() => {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!();
    } catch {
      // best effort: the socket may already be gone
    }
  }
});

export function track<T extends net.Socket | net.Server | { close(): unknown }>(thing: T): T {
  onCleanup(() => {
    if (thing instanceof net.Socket) thing.destroy();
    else thing.close();
  });
  return thing;
}

/** A fresh directory, removed after the test. */
export function tempDir(prefix = 'sockctl-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
