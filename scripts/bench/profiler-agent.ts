/**
 * Preloaded (`node -r`) into a server the benchmark profiles with `--profile`. Over the IPC
 * channel the benchmark says when to start and stop the V8 CPU profiler, so a profile covers
 * exactly one measured case; the result is a `.cpuprofile` (Chrome DevTools, speedscope, or
 * `npm run bench:profile-summary -- <file>`).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

type Command = { cmd: 'profile-start'; intervalUs?: number } | { cmd: 'profile-stop'; file: string };

const session = new Session();
session.connect();

const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

process.on('message', (message: Command) => {
  const reply = (body: object) => process.send?.({ ...body, cmd: `${message.cmd}-done` });
  if (message.cmd === 'profile-start') {
    post('Profiler.enable')
      .then(() => post('Profiler.setSamplingInterval', { interval: message.intervalUs ?? 500 }))
      .then(() => post('Profiler.start'))
      .then(
        () => reply({}),
        (err: Error) => reply({ error: err.message }),
      );
  } else if (message.cmd === 'profile-stop') {
    post('Profiler.stop')
      .then((result) => writeFileSync(message.file, JSON.stringify((result as { profile: unknown }).profile)))
      .then(
        () => reply({ file: message.file }),
        (err: Error) => reply({ error: err.message }),
      );
  }
});
// The IPC channel must not keep an otherwise finished process alive.
process.channel?.unref();
