import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings the service applies to itself, first thing in `main.ts` (before any other module
 * loads), so they hold however the process is started (`npm start`, `node dist/src/main.js`, a
 * container). In-process apps built with `createApp` (tests, embedding) are not affected.
 *
 * `--no-allocation-site-pretenuring`: V8 watches where objects are allocated and, when most
 * objects from one allocation site have survived a young-generation collection, allocates that
 * site's later objects straight in the old generation. In this service the first requests after
 * start (cold code, 50 at once in the benchmark) survive long enough for some per-request object
 * to be judged long-lived; from then on each request's object is born old and, through what it
 * references, keeps the rest of that request alive past the next young collection. Measured
 * (docs/performance.md, "Memory"): 11% of everything allocated was promoted to the old generation
 * (the bare baseline: 0.2%), the old generation filled at ~25 MB/s and swung between 40 and
 * 160 MB, and RSS after the 60 s soak ended near 200-235 MB. Without the heuristic every object
 * starts young, as nearly all of a request's objects should: 0.4% promoted, RSS after the soak
 * ~145 MB, and 5-9% more requests per second (less copying, fewer full collections).
 */
setFlagsFromString('--no-allocation-site-pretenuring');
