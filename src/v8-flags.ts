import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings the service applies to itself (`src/apply-v8-flags.ts`, the first import of
 * `main.ts`, before any other module loads), so they hold however the process is started
 * (`npm start`, `node dist/src/main.js`, a container). In-process apps built with `createApp`
 * (tests, embedding) are not affected. Measurements: docs/performance.md, "Memory".
 *
 * `--no-allocation-site-pretenuring`: V8 watches where objects are allocated and, when most
 * objects from one allocation site have survived a young-generation collection, allocates that
 * site's later objects straight in the old generation. In this service the first requests after
 * start (cold code, 50 at once in the benchmark) survive long enough for some per-request object
 * to be judged long-lived; from then on each request's object is born old and, through what it
 * references, keeps the rest of that request alive past the next young collection. Measured:
 * 11% of everything allocated was promoted to the old generation (the bare baseline: 0.2%), the
 * old generation filled at ~25 MB/s and swung between 40 and 160 MB, and RSS after the 60 s soak
 * ended near 200-235 MB. Without the heuristic every object starts young, as nearly all of a
 * request's objects should: 0.4% promoted, RSS after the soak ~145 MB, and 5-9% more requests
 * per second (less copying, fewer full collections).
 *
 * `--heap-growing-percent=100`: after each full collection V8 lets the old generation grow to
 * a multiple of what survived before it collects again. On a machine with a large default heap
 * limit it picks up to 4x (its "high" factor; 1.3-2x is its range for small heaps). The service
 * keeps ~35-40 MB alive (mostly the loaded modules' source and bytecode), so 4x let the old
 * generation reach ~150 MB of mostly garbage under a burst of 250-row lists at 50 connections,
 * and RSS 250-270 MB; and V8 did not give it back while the process then idled (10 s and more),
 * so the next load began there (the PostgreSQL soak ended at 214-247 MB). With 2x that case
 * peaks at 183-188 MB, the soak ends at 162-176 MB, and the main thread spends no more time in
 * the collector (1.4-1.6 s per run either way: full collections, twice as many, are short; most
 * of their marking is concurrent, on another core, where it costs some CPU: within this
 * machine's noise, the throughput targets keep their margins). Unlike `--max-old-space-size` this
 * is no ceiling: a heap that needs more still gets it.
 *
 * Each flag is left to the operator who sets it on node's command line (V8 does not accept
 * these two in NODE_OPTIONS): `node --heap-growing-percent=300 dist/src/main.js` keeps 300.
 */
export const SERVICE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring', '--heap-growing-percent=100'];

/** A flag's name as V8 reads it: `--no-foo_bar=1` and `--foo-bar` are both `foo-bar`. */
function flagName(arg: string): string {
  return arg.replace(/^--?/, '').split('=')[0].replace(/_/g, '-').replace(/^no-/, '');
}

/** The `flags` whose name is not among the command-line arguments `execArgv` (node's own, before the script). */
export function flagsToApply(flags: readonly string[], execArgv: readonly string[]): string[] {
  const chosen = new Set(execArgv.filter((a) => a.startsWith('-')).map(flagName));
  return flags.filter((f) => !chosen.has(flagName(f)));
}

/** Sets the service's V8 flags the operator has not set. */
export function applyServiceV8Flags(execArgv: readonly string[] = process.execArgv): void {
  for (const flag of flagsToApply(SERVICE_V8_FLAGS, execArgv)) setFlagsFromString(flag);
}
