// The shipped Grafana dashboard queries only series /metrics serves, and charts every one of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/main/ops/metrics';
import { parsePrometheusText } from './prometheus-text';

const dashboard = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../resources/grafana/lockstep-dashboard.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

describe('resources/grafana/lockstep-dashboard.json', () => {
  it('names only served series, with histogram suffixes on histograms, and covers every family', async () => {
    const metrics = new Metrics({ sources: { workerCount: () => 1, ingestQueueDepth: () => 0, ingestPagesPerSecond: () => 0, residentBytes: () => 1, hotSearches: () => ({ arena: 0, exact: 0, loads: 0 }) } });
    const families = parsePrometheusText(await metrics.render());
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        for (const [name] of expr.matchAll(/lockstep_[a-z_]+/g)) {
          const family = families.get(name) ?? families.get(name.replace(/_bucket$/, ''));
          expect(family, `${panel.title}: ${name}`).toBeDefined();
          if (family!.type === 'histogram') expect(name, panel.title).toMatch(/_bucket$/);
          used.add(family!.name);
        }
      }
    }
    expect([...families.keys()].filter((name) => !used.has(name))).toEqual([]);
  });
});
