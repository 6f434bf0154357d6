'use strict';
// The operator's story, end to end: a service that leaks (demo/leaky-service.js,
// unmodified) runs with sockctl's register hook; its own /metrics shows the
// CLOSE_WAIT sockets rising; `sockctl report <pid>` names the line that
// leaks; the watchdog the environment asked for aborts them, and the
// metrics fall back.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const root = path.join(__dirname, '..');
const N = 20;
const step = (text) => console.log(`\n== ${text}`);
const say = (text) => console.log(`   ${text}`);

async function waitFor(what, check, ms = 10_000) {
  for (const deadline = Date.now() + ms; ; await sleep(50)) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

/** The sockctl metric lines of a scrape. */
async function metrics(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => /^sockctl_(tcp_connections|tcp_connections_stuck|watchdog_actions_total)\b/.test(l));
}
const closeWait = (lines) =>
  Number(
    lines
      .find((l) => l.includes('state="close_wait"'))
      ?.split(' ')
      .pop() ?? 0,
  );

async function main() {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-demo-'));
  // The backend: answers and closes its side; counts the resets it sees (the watchdog's aborts, from outside).
  let resets = 0;
  const backend = net
    .createServer((s) => s.on('error', (err) => err.code === 'ECONNRESET' && resets++).end('hello\n'))
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => backend.once('listening', resolve));

  step('the service starts with the register hook; nothing in its code changes');
  const env = {
    SOCKCTL_STACKS: '1',
    SOCKCTL_WATCH: 'after=5s,interval=500ms,action=abort',
    SOCKCTL_METRICS: 'prometheus',
    SOCKCTL_REPORT_DIR: reports,
    SOCKCTL_LOG: path.join(reports, 'sockctl.log'),
  };
  say(
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} \\`,
  );
  say('  node --import sockctl/register demo/leaky-service.js');
  const service = spawn(
    process.execPath,
    ['--import', 'sockctl/register', 'demo/leaky-service.js', String(backend.address().port)],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = Number(await new Promise((resolve) => service.stdout.once('data', resolve)));
  try {
    step(`${N} requests, each leaving a connection to the backend in CLOSE_WAIT`);
    for (let i = 0; i < N; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    await waitFor('the leak to show', async () => closeWait(await metrics(port)) === N);
    say('its own /metrics, scraped now:');
    for (const line of await metrics(port)) say(`  ${line}`);

    step(`npx sockctl report ${service.pid}`);
    const out = execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'report', String(service.pid)], {
      encoding: 'utf8',
    });
    for (const line of out.trimEnd().split('\n')) say(line);

    step('the watchdog aborts what stays in CLOSE_WAIT past 5 s; the metrics fall back');
    await waitFor('the aborts', async () => closeWait(await metrics(port)) === 0 && resets === N, 15_000);
    for (const line of await metrics(port)) say(`  ${line}`);
    say(`the backend saw ${resets} connections reset; the service's log (SOCKCTL_LOG) has, among others:`);
    const log = fs.readFileSync(env.SOCKCTL_LOG, 'utf8').split('\n');
    say(`  ${log.find((l) => l.includes(' close-wait: '))}`);
  } finally {
    service.kill();
    backend.close();
    fs.rmSync(reports, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
