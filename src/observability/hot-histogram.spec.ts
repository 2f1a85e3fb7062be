import { Histogram, Registry } from 'prom-client';
import { HotHistogram } from './hot-histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// On a bound, between bounds, past the last, and two label sets.
const OBSERVATIONS: Array<[{ route: string; status: number }, number]> = [
  [{ route: '/a/:id', status: 200 }, 0.001],
  [{ route: '/a/:id', status: 200 }, 0.0042],
  [{ route: '/a/:id', status: 200 }, 7],
  [{ route: '/b', status: 404 }, 0.05],
  [{ route: '/a/:id', status: 200 }, 0],
];

function both() {
  const theirs = new Registry();
  const histogram = new Histogram({
    name: 'x_seconds',
    help: 'help text',
    labelNames: ['route', 'status'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const ours = new Registry();
  const hot = new HotHistogram(ours, 'x_seconds', 'help text', BUCKETS);
  for (const [labels, seconds] of OBSERVATIONS) {
    histogram.observe(labels, seconds);
    hot.observe(
      hot.seriesFor(`${labels.route} ${labels.status}`, () => ({ ...labels })),
      seconds,
    );
  }
  return { theirs, ours, hot };
}

describe('HotHistogram', () => {
  it('exposes exactly what a prom-client Histogram with the same observations does', async () => {
    const { theirs, ours } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('counts each series under a counter of its own name, like a prom-client Counter', async () => {
    const { ours, hot } = both();
    hot.countAs(ours, 'x_total', 'counted');
    const text = await ours.metrics();
    expect(text.split('\n').filter((line) => line.startsWith('x_total') || line.includes(' x_total'))).toEqual([
      '# HELP x_total counted',
      '# TYPE x_total counter',
      'x_total{route="/a/:id",status="200"} 4',
      'x_total{route="/b",status="404"} 1',
    ]);
  });

  it('starts again from nothing when the registry is reset', async () => {
    const { ours } = both();
    ours.resetMetrics();
    expect(await ours.metrics()).toBe('# HELP x_seconds help text\n# TYPE x_seconds histogram\n');
  });
});
