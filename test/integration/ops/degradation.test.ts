import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnswerChannel, ChatEvent, MessageRecord } from '../../../src/shared/contract/chat';
import { ask } from '../../../src/main/chat/answer';
import { retrievalPassageSource } from '../../../src/main/chat/passages';
import { createChatService, type ChatService } from '../../../src/main/chat/service';
import { loadLpuModel } from '../../../src/main/lpu/index';
import { defaultKernelSetName } from '../../../src/main/lpu/kernels/registry';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';
import { workerRunner } from '../../../src/main/lpu/runtime/worker-runner';
import { tapAnswer } from '../../../src/main/ops/answer-tap';
import type { DegradationAlert } from '../../../src/main/ops/degrade';
import type { MetricsRecorder } from '../../../src/main/ops/metrics';
import { log } from '../../../src/main/platform/log';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import type { Services } from '../../../src/main/services';
import { startFakeGroq, type FakeGroq } from '../../fixtures/groq/fake-groq';
import { faultyRunner, type StepFaults } from '../../fixtures/lpu/faulty-runner';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { addDocument, HANDBOOK, openTestServices, tempDataDir } from '../chat/library';

// The degradation chain under injected faults, end to end through ask(): a Groq 5xx burst, a slowed kernel on the
// LPU's all-workers channel, a worker thread that dies on the single-worker channel, then quiet periods. Real
// SQLite, the fake Groq server, a random-weight GGUF on the real emulator; only the policy's clock is the test's.

// Every worker thread started, so a fault can terminate the real threads of one runner.
const started = vi.hoisted(() => [] as Worker[]);
vi.mock('../../../src/main/platform/workers', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/main/platform/workers')>();
  return { ...real, startWorker: (...args: Parameters<typeof real.startWorker>) => started[started.push(real.startWorker(...args)) - 1]! };
});

const KEY = 'gsk_test_0123456789abcdef';
const QUIET_MS = 60_000;
const SERVER_ERROR = { kind: 'status' as const, status: 500, body: { error: { message: 'Internal Server Error', type: 'internal_server_error' } } };

let groq: FakeGroq;
let data: ReturnType<typeof tempDataDir>;
let services: Services;
let chat: ChatService;
let now = 1_700_000_000_000;
const faults: Record<'lpu' | 'lpu_single', StepFaults> = { lpu: {}, lpu_single: {} };
const alerts: DegradationAlert[] = [];
const warnings: string[] = [];
// What the Prometheus metrics are told, through the same tap the app installs.
const recorded = { fallbacks: [] as string[], crashes: [] as string[], cacheHits: 0 };
const recorder: MetricsRecorder = {
  recordAnswer: () => {},
  recordError: () => {},
  recordFallback: (from, to) => void recorded.fallbacks.push(`${from}→${to}`),
  recordCacheHit: () => void (recorded.cacheHits += 1),
  recordWorkerCrash: (worker) => void recorded.crashes.push(worker),
};

beforeAll(async () => {
  vi.spyOn(log, 'warn').mockImplementation((message: string) => void warnings.push(message));
  groq = await startFakeGroq();
  data = tempDataDir('lockstep-degrade-');
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
  services.settings.update({
    provider: 'groq',
    chatModelId: writeTinyLlamaFile(data.dir),
    maxAnswerTokens: 64,
    // TTFT is left out of this test (a loaded machine varies it); the slowed kernel crosses the token-interval p95.
    healthThresholds: { ttftP95Ms: 600_000, tokenIntervalP95Ms: 80, errorRatePct: 20, errorWindowMin: 10, workerCrashes: 2 },
  });
  const secrets = new MemorySecretStore();
  secrets.set('groq.apiKey', KEY);
  const kernels = await defaultKernelSetName();
  chat = createChatService({
    dataDir: data.dir,
    db: services.db,
    settings: services.settings,
    secrets,
    groqBaseURL: groq.baseURL,
    passages: retrievalPassageSource(services),
    degradation: { now: () => now, quietMs: () => QUIET_MS, onWorkerCrash: (channel) => recorder.recordWorkerCrash(`lpu:${channel}`) },
    answerTap: (emit) => tapAnswer(recorder, emit),
    // The production layouts (two workers, or one) with the fault hooks around their steps.
    loadLpuModel: (modelPath, options) => {
      const channel = options?.singleWorker ? 'lpu_single' : 'lpu';
      const base = options?.singleWorker || kernels === 'ts' ? workerRunner : parallelRunner(2);
      const runner = faultyRunner(base, () => faults[channel], async (start) => {
        const before = started.length;
        await start();
        return started.slice(before);
      });
      return loadLpuModel(modelPath, { cacheDir: path.join(data.dir, 'cache'), runner, kernels });
    },
  });
  chat.degradationPolicy.onAlert((alert) => alerts.push(alert));
});

afterAll(async () => {
  await chat?.close();
  await services?.close();
  data?.remove();
  await groq?.close();
  vi.restoreAllMocks();
});

/** Asks one question; returns the channels it tried in order and the record it ended with. */
async function question(n: number): Promise<{ tried: AnswerChannel[]; record: MessageRecord; events: ChatEvent[] }> {
  const events: ChatEvent[] = [];
  const record = await ask(chat, { question: `Question ${n}: how many days of annual leave do I get?` }, (e) => events.push(e), new AbortController().signal);
  now += 1000;
  const first = events.find((e) => e.type === 'started')!;
  const routed = events.find((e): e is Extract<ChatEvent, { type: 'notice' }> => e.type === 'notice' && e.kind === 'degraded');
  const fallbacks = events.filter((e): e is Extract<ChatEvent, { type: 'notice' }> => e.type === 'notice' && e.kind === 'fallback');
  const start: AnswerChannel = routed?.channel ?? (first.type === 'started' && first.provider === 'groq' ? 'groq' : 'lpu');
  return { tried: [start, ...fallbacks.map((f) => f.channel!)], record, events };
}

describe('degradation chain under injected faults', () => {
  it('steps Groq → LPU → single worker → extractive on a 5xx burst, a slowed kernel and worker crashes, loses no answer, and climbs back one step per quiet period', { timeout: 120_000 }, async () => {
    const sequence: AnswerChannel[][] = [];
    const records: MessageRecord[] = [];
    const run = async (n: number) => {
      const { tried, record } = await question(n);
      sequence.push(tried);
      records.push(record);
      return record;
    };

    // A Groq 5xx burst: each answer falls back to the LPU; the third crosses the error rate.
    groq.queue(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR);
    for (const n of [1, 2, 3]) await run(n);
    const groqRequests = groq.chatRequests().length;
    const fourth = await run(4);
    expect(groq.chatRequests().length).toBe(groqRequests); // routed past Groq
    expect(fourth.served).toMatchObject({ channel: 'lpu', reason: 'error rate 100% (3 of 3 answers in 10 min) exceeded 20%' });

    // A slowed kernel on the all-workers channel: its token-interval p95 crosses 80 ms.
    faults.lpu = { slowStepMs: 120 };
    await run(5);
    faults.lpu = {};

    // Its worker dies at every answer on the single-worker channel: each answer falls back to sentences; the second crash steps down.
    faults.lpu_single = { crash: true };
    for (const n of [6, 7, 8]) await run(n);
    faults.lpu_single = {};
    expect(records[7]!.served).toMatchObject({ channel: 'extractive', reason: '2 worker crashes in 10 min reached the limit of 2' });

    // Quiet periods: one step back each.
    for (const n of [9, 10, 11]) {
      now += QUIET_MS + 1000;
      await run(n);
    }

    expect(sequence).toEqual([
      ['groq', 'lpu'],
      ['groq', 'lpu'],
      ['groq', 'lpu'],
      ['lpu'],
      ['lpu'],
      ['lpu_single', 'extractive'],
      ['lpu_single', 'extractive'],
      ['extractive'],
      ['lpu_single'],
      ['lpu'],
      ['groq'],
    ]);
    expect(alerts.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual([
      'stepped_down groq→lpu',
      'stepped_down lpu→lpu_single',
      'stepped_down lpu_single→extractive',
      'recovered extractive→lpu_single',
      'recovered lpu_single→lpu',
      'recovered lpu→groq',
    ]);
    expect(alerts[1]!.reason).toMatch(/^token-interval p95 exceeded 80 ms \(measured \d+ ms\)$/);

    // No answer lost: every one completed with text, on the provider its channel names.
    expect(records.map((r) => r.status)).toEqual(Array(11).fill('complete'));
    expect(records.every((r) => r.content.length > 0)).toBe(true);
    expect(records.map((r) => r.provider)).toEqual(['lpu', 'lpu', 'lpu', 'lpu', 'lpu', 'extractive', 'extractive', 'extractive', 'lpu', 'lpu', 'groq']);
    // Each answer explains the channel it ended on and why; the one after the slowdown names the threshold.
    expect(records[5]!.served?.channel).toBe('extractive');
    expect(records[5]!.served?.reason).toMatch(/^the single-worker CPU channel failed \(A worker thread of the local model (stopped|exited)/);
    expect(records[10]!.served?.channel).toBeUndefined();

    const state = chat.degradationPolicy.state();
    expect(state).toMatchObject({ floor: 'groq', reason: null, unseenAlerts: 3 });
    expect(state.steps).toEqual({ 'groq→lpu': 1, 'lpu→lpu_single': 1, 'lpu_single→extractive': 1, 'extractive→lpu_single': 1, 'lpu_single→lpu': 1, 'lpu→groq': 1 });
    // Each step was logged, and each fallback and crash counted for the metrics.
    for (const alert of alerts) expect(warnings).toContain(alert.message);
    expect(recorded.fallbacks).toEqual(['groq→lpu', 'groq→lpu', 'groq→lpu', 'lpu_single→extractive', 'lpu_single→extractive']);
    expect(recorded.crashes).toEqual(['lpu:lpu_single', 'lpu:lpu_single']);
  });
});
