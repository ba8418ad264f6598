// The strict exposition-format reader the /metrics test relies on must reject what Prometheus would reject.
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text';

const good = `# HELP a_seconds Latency.
# TYPE a_seconds histogram
a_seconds_bucket{le="0.1",provider="lpu"} 1
a_seconds_bucket{le="+Inf",provider="lpu"} 2
a_seconds_sum{provider="lpu"} 0.35
a_seconds_count{provider="lpu"} 2
# TYPE b_total counter
b_total{code="quote\\"d",path="a\\\\b"} 3
`;

describe('parsePrometheusText', () => {
  it('reads families, labels with escapes and histogram samples', () => {
    const families = parsePrometheusText(good);
    expect(families.get('a_seconds')).toMatchObject({ type: 'histogram', help: 'Latency.' });
    expect(families.get('a_seconds')!.samples).toHaveLength(4);
    expect(families.get('b_total')!.samples[0]).toEqual({ name: 'b_total', labels: { code: 'quote"d', path: 'a\\b' }, value: 3 });
  });

  it.each([
    ['a sample without a TYPE', 'c_total 1\n', /no TYPE/],
    ['an unquoted label value', '# TYPE c gauge\nc{x=1} 1\n', /not quoted/],
    ['a bad value', '# TYPE c gauge\nc 1,5\n', /bad value/],
    ['a bad escape', '# TYPE c gauge\nc{x="\\t"} 1\n', /bad escape/],
    ['a duplicate sample', '# TYPE c gauge\nc{x="1"} 1\nc{x="1"} 2\n', /duplicate/],
    ['a missing final line feed', '# TYPE c gauge\nc 1', /line feed/],
    ['a +Inf bucket unequal to _count', good.replace('a_seconds_count{provider="lpu"} 2', 'a_seconds_count{provider="lpu"} 3'), /\+Inf bucket/],
    ['buckets that are not cumulative', good.replace('le="+Inf",provider="lpu"} 2', 'le="+Inf",provider="lpu"} 0').replace('_count{provider="lpu"} 2', '_count{provider="lpu"} 0'), /cumulative/],
    ['an unknown type', '# TYPE c meter\n', /unknown type/],
  ])('rejects %s', (_name, text, error) => {
    expect(() => parsePrometheusText(text)).toThrow(error);
  });
});
