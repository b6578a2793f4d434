import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

describe('metrics', () => {
  it('counts through a series looked up once exactly as through inc', async () => {
    const m = new Metrics();
    const count = m.counter('hits_total', 'Hits.', { route: '/a', status: '200' });
    m.inc('hits_total', 'Hits.', { route: '/b', status: '200' });
    count();
    count(2);
    m.inc('hits_total', 'Hits.', { route: '/a', status: '200' });
    const text = await m.render();
    expect(text).toContain('# TYPE hits_total counter');
    expect(text).toContain('hits_total{route="/a",status="200"} 4');
    expect(text).toContain('hits_total{route="/b",status="200"} 1');
  });

  it('shows a series only once it has counted', async () => {
    const m = new Metrics();
    m.counter('quiet_total', 'Never counted.', { route: '/q' });
    expect(await m.render()).not.toContain('quiet_total{');
  });

  it('keeps latency histograms cumulative per bucket, with sum and count', async () => {
    const m = new Metrics();
    const time = m.histogram('took_seconds', 'Time.', { route: '/a' });
    time(0.004);
    time(0.3);
    m.observe('took_seconds', 'Time.', { route: '/a' }, 20);
    const text = await m.render();
    expect(text).toContain('took_seconds_bucket{route="/a",le="0.005"} 1');
    expect(text).toContain('took_seconds_bucket{route="/a",le="0.5"} 2');
    expect(text).toContain('took_seconds_bucket{route="/a",le="10"} 2');
    expect(text).toContain('took_seconds_bucket{route="/a",le="+Inf"} 3');
    expect(text).toContain('took_seconds_sum{route="/a"} 20.304');
    expect(text).toContain('took_seconds_count{route="/a"} 3');
  });

  it('never lets a label value break out of its quotes', async () => {
    const m = new Metrics();
    m.inc('odd_total', 'Odd.', { route: 'a"b\\c\nd' });
    expect(await m.render()).toContain('odd_total{route="a_b_c_d"} 1');
  });
});
