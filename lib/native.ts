// Loads the addon (a prebuilt binary for this platform if one ships, else
// the local build) and types its surface. The native layer moves integers
// and bytes only; everything a caller sees is built in TypeScript.
import path from 'node:path';
import nodeGypBuild from 'node-gyp-build';

export interface Native {
  /** Each call returns 0 on success or a negative libuv error number. */
  setInt(fd: number, level: number, name: number, value: number): number;
  /** out[0] = the value. */
  getInt(fd: number, level: number, name: number, out: Float64Array): number;
  setBytes(fd: number, level: number, name: number, value: Uint8Array): number;
  /** Returns the length the OS wrote (>= 0) or a negative error number. */
  getBytes(fd: number, level: number, name: number, into: Uint8Array): number;
  setLinger(fd: number, enabled: number, seconds: number): number;
  /** out = [enabled, seconds]. */
  getLinger(fd: number, out: Float64Array): number;
  /** 1: filled; 0: the OS answered too little to use; < 0: error. */
  tcpInfo(fd: number, out: Float64Array): number;
  /** Returns [fd, ''] or [negative error, failed syscall]. */
  openBound(
    udp: number,
    ipv6: number,
    scopeId: number,
    port: number,
    reuseAddress: number,
    reusePort: number,
    ipv6Only: number,
    address: string,
  ): [number, string];
  close(fd: number): number;
  constants: Record<string, number>;
  tcpInfoFields: string[];
}

// dist/ and lib/ both sit one level below the package root.
export const native: Native = nodeGypBuild(path.join(__dirname, '..')) as Native;
