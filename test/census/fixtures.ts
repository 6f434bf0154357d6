// What the origin and report tests share.

/** `file:line` of the line that calls this, as a stack frame shows it. */
export function here(): string {
  const frame = new Error().stack!.split('\n')[2];
  return /\(?([^()\s]+:\d+):\d+\)?$/.exec(frame)![1];
}
