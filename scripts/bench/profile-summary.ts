/**
 * Summarizes a V8 `.cpuprofile` (from `npm run bench -- --profile`, or `node --cpu-prof`):
 * the top functions by self time, and time per package (self, and inclusive: time spent in a
 * package's code or anything it called).
 *
 *   npm run bench:profile-summary -- docs/bench/profiles/sqlite-get.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A frame's package: `typeorm`, `@nestjs/core`, `src` (the service), `node:` internals, or V8's own. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const src = url.indexOf('/dist/');
  if (src !== -1)
    return url
      .slice(src + 6)
      .split('/')
      .slice(0, 2)
      .join('/');
  return url;
}

function whereOf(frame: CallFrame): string {
  return frame.url
    ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`
    : '';
}

export interface ProfileSummary {
  totalMs: number;
  top: { ms: number; share: number; name: string; where: string }[];
  packagesSelf: { ms: number; share: number; name: string }[];
  packagesInclusive: { ms: number; share: number; name: string }[];
  inclusive: { ms: number; share: number; name: string; where: string }[];
}

export function summarize(profile: CpuProfile, topN = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from samples and time deltas (µs), falling back to hit counts.
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = profile.timeDeltas[i + 1] ?? 0;
      selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) * total) / hits);
  }
  const idle = new Set(['(idle)', '(program)']);
  const busyUs = [...selfUs].reduce((s, [id, us]) => s + (idle.has(byId.get(id)!.callFrame.functionName) ? 0 : us), 0);

  const fn = new Map<string, { us: number; name: string; where: string }>();
  const pkgSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    if (idle.has(callFrame.functionName)) continue;
    const where = whereOf(callFrame);
    const k = `${callFrame.functionName}|${where}`;
    const e = fn.get(k) ?? { us: 0, name: callFrame.functionName || '(anonymous)', where };
    e.us += us;
    fn.set(k, e);
    const p = packageOf(callFrame);
    pkgSelf.set(p, (pkgSelf.get(p) ?? 0) + us);
  }

  // Inclusive time per package: walk the tree, charging each sample to every distinct package on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const pkgIncl = new Map<string, number>();
  const fnIncl = new Map<string, { us: number; name: string; where: string }>();
  for (const [id, us] of selfUs) {
    if (idle.has(byId.get(id)!.callFrame.functionName)) continue;
    const seen = new Set<string>();
    const seenFn = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { callFrame } = byId.get(cur)!;
      const p = packageOf(callFrame);
      if (p === '(root)') continue;
      seen.add(p);
      const where = whereOf(callFrame);
      const k = `${callFrame.functionName}|${where}`;
      if (!seenFn.has(k)) {
        seenFn.add(k);
        const e = fnIncl.get(k) ?? { us: 0, name: callFrame.functionName || '(anonymous)', where };
        e.us += us;
        fnIncl.set(k, e);
      }
    }
    for (const p of seen) pkgIncl.set(p, (pkgIncl.get(p) ?? 0) + us);
  }
  const share = (us: number) => (busyUs ? us / busyUs : 0);
  return {
    totalMs: busyUs / 1000,
    top: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ ms: e.us / 1000, share: share(e.us), name: e.name, where: e.where })),
    packagesSelf: [...pkgSelf]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, us]) => ({ ms: us / 1000, share: share(us), name })),
    packagesInclusive: [...pkgIncl]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, us]) => ({ ms: us / 1000, share: share(us), name })),
    inclusive: [...fnIncl.values()]
      .filter((e) => e.where !== '')
      .sort((a, b) => b.us - a.us)
      .slice(0, topN * 2)
      .map((e) => ({ ms: e.us / 1000, share: share(e.us), name: e.name, where: e.where })),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `busy CPU time: ${s.totalMs.toFixed(0)} ms (idle and "(program)" excluded)`,
    '',
    'top functions by self time:',
  ];
  for (const t of s.top) lines.push(`  ${pct(t.share)}  ${t.ms.toFixed(0).padStart(6)} ms  ${t.name}  ${t.where}`);
  lines.push('', 'packages by self time:');
  for (const p of s.packagesSelf) lines.push(`  ${pct(p.share)}  ${p.ms.toFixed(0).padStart(6)} ms  ${p.name}`);
  lines.push('', 'packages by inclusive time (their code and everything it called):');
  for (const p of s.packagesInclusive) lines.push(`  ${pct(p.share)}  ${p.ms.toFixed(0).padStart(6)} ms  ${p.name}`);
  lines.push('', 'functions by inclusive time (JavaScript only):');
  for (const t of s.inclusive)
    lines.push(`  ${pct(t.share)}  ${t.ms.toFixed(0).padStart(6)} ms  ${t.name}  ${t.where}`);
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    process.stderr.write('usage: npm run bench:profile-summary -- <file.cpuprofile> [--top 25]\n');
    process.exit(2);
  }
  for (const file of positionals) {
    process.stdout.write(`== ${file}\n`);
    process.stdout.write(
      formatSummary(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top))),
    );
  }
}
