// Where the suite runs. Emulators lack a few kernel features; a test that
// cannot run under one is skipped there, by name and with the reason, and
// nowhere else. The runner scripts (scripts/test-*.sh) set SOCKCTL_EMULATOR.
export type Emulator = 'wine' | 'qemu';

const declared = process.env.SOCKCTL_EMULATOR;
if (declared !== undefined && declared !== 'wine' && declared !== 'qemu') {
  throw new Error(`SOCKCTL_EMULATOR must be 'wine' or 'qemu', not '${declared}'`);
}
if (declared === 'wine' && process.platform !== 'win32') throw new Error('SOCKCTL_EMULATOR=wine outside Windows');
if (declared === 'qemu' && process.platform !== 'linux') throw new Error('SOCKCTL_EMULATOR=qemu outside Linux');

export const emulator: Emulator | undefined = declared;

/** True when running under `emu`; `reason` says why a test is skipped there and is printed once. */
export function under(emu: Emulator, reason: string): boolean {
  if (emulator !== emu) return false;
  console.log(`skipped under ${emu}: ${reason}`);
  return true;
}

/** Why tests that read TCP_INFO are skipped under qemu; a qemu-only test in test/tcp/info.test.ts checks it. */
export const QEMU_TCP_INFO = 'qemu-user copies only 4 bytes of TCP_INFO';
