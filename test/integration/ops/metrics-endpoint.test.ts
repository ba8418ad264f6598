// GET /metrics on the local API: answers, a failure, a Groq fallback and a cache hit go through the real answer
// path (respond and the cache's replay, through Ops.tapAnswer), a worker crash reported by its owner; the scrape must
// parse under a strict exposition-format reader and hold every series the issue lists. It needs the token, and does
// not exist while metrics are off.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LpuMeters } from '../../../src/shared/contract/chat';
import { AppError } from '../../../src/shared/errors';
import { ask } from '../../../src/main/chat/answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import type { ChatProvider, GenerationRequest, GenerationResult, ProviderEvent } from '../../../src/main/providers/provider';
import { countHotSearch, hotSearchCounts } from '../../../src/main/embed/hot-vectors';
import { log } from '../../../src/main/platform/log';
import { reportWorkerCrash } from '../../../src/main/platform/workers';
import { startLocalApi, type LocalApi } from '../../../src/main/server/local-api';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from '../chat/library';
import { ScriptedProvider } from '../chat/scripted-provider';
import { parsePrometheusText, type Family } from './prometheus-text';

const TOKEN = 'lsk_metrics-test-token';

/** An LPU answer with the emulator's per-chip figures: two chips, a prefill split and SRAM use. */
class TwoChipProvider extends ScriptedProvider {
  override async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const enrich = (m: LpuMeters): LpuMeters => ({
      ...m,
      promptTokens: 120,
      cachedPromptTokens: 20,
      chips: 2,
      ttftSplitMs: { queue: 1, retrieval: 0, prefill: 50, firstDecode: 3 },
      utilisationPerChip: [
        { MXM: 0.6, VXM: 0.3, SXM: 0.05, MEM: 0.4, C2C: 0.1 },
        { MXM: 0.5, VXM: 0.2, SXM: 0.04, MEM: 0.3, C2C: 0.1 },
      ],
      sramBytesPerChip: [150 * 2 ** 20, 100 * 2 ** 20],
      sramCapacityPerChip: 230 * 2 ** 20,
    });
    const result = await super.generate(request, (event) => onEvent(event.type === 'meters' ? { type: 'meters', meters: enrich(event.meters as LpuMeters) } : event));
    return { ...result, meters: enrich(result.meters as LpuMeters) };
  }
}

const failing = (error: Error): ChatProvider => ({
  id: 'groq',
  model: 'llama-3.3-70b-versatile',
  contextTokens: 8192,
  countTokens: (text) => text.split(/\s+/).length,
  generate: async () => {
    throw error;
  },
});

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let api: LocalApi | null = null;
beforeEach(() => {
  data = tempDataDir('lockstep-metrics-');
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await api?.close();
  api = null;
  await services.close();
  data.remove();
});

async function answerSome(): Promise<void> {
  const deps = (choose: ChatProvider, local: ChatProvider | null): AnswerDeps => ({
    ...testChatService(services),
    answerTap: services.ops.tapAnswer,
    providers: { choose: async () => choose, local: async () => local },
  });
  const signal = new AbortController().signal;
  // Different questions, so that no answer comes from the answer cache.
  const question = (n: number) => ({ question: `How many days of annual leave do I get? (${n})` });
  await ask(deps(new TwoChipProvider('You get 25 days [1] of annual leave each year.'), null), question(1), () => {}, signal);
  await ask(deps(new TwoChipProvider('Twenty-five days [1].'), null), question(2), () => {}, signal);
  // Groq unreachable: the answer moves to the local model, which completes it.
  const warned = vi.spyOn(log, 'warn').mockImplementation(() => {});
  await ask(deps(failing(new AppError('groq_unreachable', 'Groq could not be reached.')), new TwoChipProvider('25 days [1].')), question(3), () => {}, signal);
  expect(warned).toHaveBeenCalledTimes(1);
  // A failure no channel can take over: the search itself breaks.
  const broken = deps(new TwoChipProvider('unused'), null);
  broken.passages = { ...broken.passages, search: async () => Promise.reject(new AppError('search_failed', 'The search index could not be read.')) };
  await expect(ask(broken, question(4), () => {}, signal)).rejects.toThrow(/index could not be read/);
  // The first question again: replayed from the answer cache, a cache hit rather than a fourth answer.
  const replayed = await ask(deps(new TwoChipProvider('never asked'), null), question(1), () => {}, signal);
  expect(replayed.content).toBe('You get 25 days [1] of annual leave each year.');
  // A worker's owner reports its crash to the process; the metrics hear it.
  reportWorkerCrash('lpu');
}

const scrape = (headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) => fetch(`${api!.url.replace(/\/v1$/, '')}/metrics`, { headers });

const value = (family: Family | undefined, name: string, labels: Record<string, string> = {}) =>
  family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /metrics', () => {
  it('serves every listed series in the Prometheus text format, parsed strictly', async () => {
    await answerSome();
    api = await startLocalApi({ services, port: 0, token: TOKEN, metrics: true });
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());

    const histograms = ['lockstep_ttft_seconds', 'lockstep_token_interval_seconds', 'lockstep_retrieval_seconds', 'lockstep_prefill_tokens_per_second'];
    for (const name of histograms) {
      expect(families.get(name)?.type, name).toBe('histogram');
      // Three completed LPU answers, labelled by provider and model.
      const count = value(families.get(name), `${name}_count`, { provider: 'lpu', model: 'scripted-model' });
      expect(count, name).toBeGreaterThanOrEqual(3);
    }
    // The ScriptedProvider streams word by word: 10 + 3 + 3 words leave 9 + 2 + 2 gaps.
    expect(value(families.get('lockstep_token_interval_seconds'), 'lockstep_token_interval_seconds_count', { provider: 'lpu' })).toBe(13);
    // 100 evaluated prompt tokens in 50 ms of prefill.
    expect(value(families.get('lockstep_prefill_tokens_per_second'), 'lockstep_prefill_tokens_per_second_sum', { provider: 'lpu' })).toBeCloseTo(3 * 2000, 6);

    const answers = families.get('lockstep_answers_total');
    expect(answers?.type).toBe('counter');
    expect(value(answers, 'lockstep_answers_total', { provider: 'lpu', model: 'scripted-model' })).toBe(3);
    expect(value(families.get('lockstep_errors_total'), 'lockstep_errors_total', { code: 'search_failed' })).toBe(1);
    expect(value(families.get('lockstep_fallbacks_total'), 'lockstep_fallbacks_total', { from: 'groq', to: 'lpu' })).toBe(1);
    expect(value(families.get('lockstep_cache_hits_total'), 'lockstep_cache_hits_total')).toBe(1);
    expect(value(families.get('lockstep_worker_crashes_total'), 'lockstep_worker_crashes_total', { worker: 'lpu' })).toBe(1);

    const utilisation = families.get('lockstep_lpu_unit_utilisation_ratio');
    expect(utilisation?.type).toBe('gauge');
    expect(utilisation?.samples).toHaveLength(10); // 2 chips × MXM, VXM, SXM, MEM, C2C
    expect(value(utilisation, 'lockstep_lpu_unit_utilisation_ratio', { chip: '1', unit: 'MXM' })).toBe(0.5);
    expect(value(families.get('lockstep_lpu_sram_bytes'), 'lockstep_lpu_sram_bytes', { chip: '0' })).toBe(150 * 2 ** 20);
    expect(value(families.get('lockstep_lpu_sram_occupancy_ratio'), 'lockstep_lpu_sram_occupancy_ratio', { chip: '1' })).toBeCloseTo(100 / 230, 9);
    for (const gauge of ['lockstep_workers', 'lockstep_ingest_queue_depth', 'lockstep_ingest_pages_per_second', 'lockstep_process_resident_memory_bytes']) {
      expect(families.get(gauge)?.type, gauge).toBe('gauge');
      expect(families.get(gauge)?.samples, gauge).toHaveLength(1);
    }
    expect(value(families.get('lockstep_process_resident_memory_bytes'), 'lockstep_process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    // Handbook: one indexed document of 3 pages, written just now.
    expect(value(families.get('lockstep_ingest_pages_per_second'), 'lockstep_ingest_pages_per_second')).toBeCloseTo(HANDBOOK.length / 60, 9);
    // Hot-tier searches: what the vector store counted on this library's connection, by path.
    const hot = hotSearchCounts(services.db);
    const searches = families.get('lockstep_hot_vector_searches_total');
    expect(searches?.type).toBe('counter');
    expect(value(searches, 'lockstep_hot_vector_searches_total', { path: 'arena' })).toBe(hot.arena);
    expect(value(searches, 'lockstep_hot_vector_searches_total', { path: 'exact' })).toBe(hot.exact);
    expect(value(families.get('lockstep_hot_vector_arena_loads_total'), 'lockstep_hot_vector_arena_loads_total')).toBe(hot.loads);
    countHotSearch(services.db, 'arena');
    countHotSearch(services.db, 'arena');
    countHotSearch(services.db, 'exact');
    const later = parsePrometheusText(await (await scrape()).text()).get('lockstep_hot_vector_searches_total');
    expect(value(later, 'lockstep_hot_vector_searches_total', { path: 'arena' })).toBe(hot.arena + 2);
    expect(value(later, 'lockstep_hot_vector_searches_total', { path: 'exact' })).toBe(hot.exact + 1);
    // A private registry: none of prom-client's default process_* series.
    expect([...families.keys()].every((name) => name.startsWith('lockstep_'))).toBe(true);
  });

  it('refuses a scrape without the token (401) and does not exist while metrics are off (404)', async () => {
    api = await startLocalApi({ services, port: 0, token: TOKEN });
    const anonymous = await scrape({});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await scrape({ Authorization: 'Bearer lsk_wrong' })).status).toBe(401);

    const off = await scrape();
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { code: string } }).error.code).toBe('not_found');

    // The Settings switch takes effect on the running API, and so does LOCKSTEP_METRICS=1.
    services.settings.update({ metricsEnabled: true });
    expect((await scrape()).status).toBe(200);
    services.settings.update({ metricsEnabled: false });
    expect((await scrape()).status).toBe(404);
    vi.stubEnv('LOCKSTEP_METRICS', '1');
    expect((await scrape()).status).toBe(200);
  });

  it("counts the local API's chat completions beside the app's answers, and their failures", async () => {
    let provider: ChatProvider = new TwoChipProvider('One two three four.');
    vi.spyOn(services.chat.providers, 'local').mockImplementation(async () => provider);
    api = await startLocalApi({ services, port: 0, token: TOKEN, metrics: true });
    const complete = (stream: boolean) =>
      fetch(`${api!.url}/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'lockstep', stream, messages: [{ role: 'user', content: 'Count to four.' }] }),
      });
    expect((await complete(false)).status).toBe(200);
    expect(await (await complete(true)).text()).toContain('[DONE]');
    provider = failing(new AppError('lpu_worker_crashed', 'A worker thread of the local model stopped.'));
    expect((await complete(false)).status).toBe(500);

    const families = parsePrometheusText(await (await scrape()).text());
    const origin = { provider: 'lpu', model: 'scripted-model' };
    expect(value(families.get('lockstep_answers_total'), 'lockstep_answers_total', origin)).toBe(2);
    expect(value(families.get('lockstep_ttft_seconds'), 'lockstep_ttft_seconds_count', origin)).toBe(2);
    // Four words streamed word by word, twice: three gaps each. No retrieval runs for a completion.
    expect(value(families.get('lockstep_token_interval_seconds'), 'lockstep_token_interval_seconds_count', origin)).toBe(6);
    expect(value(families.get('lockstep_retrieval_seconds'), 'lockstep_retrieval_seconds_count', origin)).toBeUndefined();
    expect(value(families.get('lockstep_errors_total'), 'lockstep_errors_total', { code: 'lpu_worker_crashed' })).toBe(1);
    expect(value(families.get('lockstep_lpu_unit_utilisation_ratio'), 'lockstep_lpu_unit_utilisation_ratio', { chip: '0', unit: 'MXM' })).toBe(0.6);
  });
});
