import { describe, expect, it } from 'vitest';
import { crossedThreshold, DegradationPolicy, type DegradationAlert, type HealthThresholds, type LocalModelProbe } from '../../../src/main/ops/degrade';
import { settingsSchema } from '../../../src/shared/settings';

const THRESHOLDS: HealthThresholds = { ttftP95Ms: 1000, tokenIntervalP95Ms: 120, errorRatePct: 20, errorWindowMin: 10, workerCrashes: 2 };
const MINUTE = 60_000;

function policy(quietMs = 5 * MINUTE, localModel?: LocalModelProbe) {
  let now = 1_000_000;
  const alerts: DegradationAlert[] = [];
  const crashes: string[] = [];
  const p = new DegradationPolicy({ thresholds: () => THRESHOLDS, quietMs: () => quietMs, now: () => now, onWorkerCrash: (channel) => crashes.push(channel), localModel });
  p.onAlert((a) => alerts.push(a));
  return { p, alerts, crashes, advance: (ms: number) => void (now += ms) };
}

describe('crossedThreshold', () => {
  const ok = (ttftMs: number, intervals: number[] = [10]) => ({ channel: 'lpu' as const, ok: true, ttftMs, tokenIntervalsMs: intervals });
  it('needs three answers before trusting a percentile or a rate', () => {
    expect(crossedThreshold([ok(5000), ok(5000)], 0, THRESHOLDS)).toBeNull();
    expect(crossedThreshold([ok(5000), ok(5000), ok(5000)], 0, THRESHOLDS)).toBe('TTFT p95 exceeded 1000 ms (measured 5000 ms)');
  });
  it('reads the token-interval p95 over every interval of the window', () => {
    const quick = Array.from({ length: 19 }, () => 10);
    expect(crossedThreshold([ok(100, quick), ok(100, quick), ok(100, [10])], 0, THRESHOLDS)).toBeNull();
    expect(crossedThreshold([ok(100, [480, 480, 10]), ok(100, [480]), ok(100, [480])], 0, THRESHOLDS)).toBe('token-interval p95 exceeded 120 ms (measured 480 ms)');
  });
  it('counts failed answers against the error rate, strictly above it', () => {
    const failed = { channel: 'groq' as const, ok: false, errorCode: 'groq_unreachable' };
    const fine = { channel: 'groq' as const, ok: true, ttftMs: 10, tokenIntervalsMs: [] };
    expect(crossedThreshold([failed, fine, fine, fine, fine], 0, THRESHOLDS)).toBeNull(); // 20% is not above 20%
    expect(crossedThreshold([failed, failed, fine], 0, THRESHOLDS)).toBe('error rate 67% (2 of 3 answers in 10 min) exceeded 20%');
  });
  it('leaves a healthy local model on a busy machine alone at the default thresholds, but not a stalled one', () => {
    const defaults = settingsSchema.parse({}).healthThresholds;
    // Shaped on the slowest answer measured at a load average of 10-13 (docs/operations.md): 47 gaps, p50 ~200 ms, p95 ~600 ms.
    const busy = [...Array.from({ length: 44 }, () => 200), 600, 600, 600];
    expect(crossedThreshold([ok(2000, busy), ok(2000, busy), ok(2000, busy)], 0, defaults)).toBeNull();
    // The former 250 ms default stepped that healthy channel down.
    expect(crossedThreshold([ok(2000, busy), ok(2000, busy), ok(2000, busy)], 0, { ...defaults, tokenIntervalP95Ms: 250 })).toBe('token-interval p95 exceeded 250 ms (measured 600 ms)');
    // A channel in trouble stalls for seconds, one gap in ten.
    const stalled = [...Array.from({ length: 42 }, () => 200), ...Array.from({ length: 5 }, () => 2500)];
    expect(crossedThreshold([ok(2000, stalled), ok(2000, stalled), ok(2000, stalled)], 0, defaults)).toBe(`token-interval p95 exceeded ${defaults.tokenIntervalP95Ms} ms (measured 2500 ms)`);
  });
  it('puts worker crashes first', () => {
    expect(crossedThreshold([], 2, THRESHOLDS)).toBe('2 worker crashes in 10 min reached the limit of 2');
    expect(crossedThreshold([], 1, THRESHOLDS)).toBeNull();
  });
});

describe('DegradationPolicy', () => {
  it('steps down one channel below the one in trouble, alerts once, and routes later answers there with the reason', () => {
    const { p, alerts } = policy();
    expect(p.route('groq')).toEqual({ channel: 'groq' });
    for (let i = 0; i < 3; i++) p.record({ channel: 'groq', ok: false, errorCode: 'groq_unreachable' });
    expect(alerts.map((a) => [a.kind, a.from, a.to])).toEqual([['stepped_down', 'groq', 'lpu']]);
    expect(p.route('groq')).toEqual({ channel: 'lpu', reason: 'error rate 100% (3 of 3 answers in 10 min) exceeded 20%' });
    // A user on the local model is not held below the floor it is already under.
    expect(p.route('lpu')).toEqual({ channel: 'lpu' });
    expect(p.state()).toMatchObject({ floor: 'lpu', unseenAlerts: 1, steps: { 'groq→lpu': 1 } });
    expect(p.markSeen().unseenAlerts).toBe(0);
  });

  it('judges each channel only on its own answers since the floor moved', () => {
    const { p, alerts } = policy();
    for (let i = 0; i < 3; i++) p.record({ channel: 'groq', ok: false, errorCode: 'groq_unreachable' });
    // Slow answers on the LPU then step it down; earlier Groq failures do not count against it.
    for (let i = 0; i < 2; i++) p.record({ channel: 'lpu', ok: true, ttftMs: 50, tokenIntervalsMs: [300] });
    expect(alerts).toHaveLength(1);
    p.record({ channel: 'lpu', ok: true, ttftMs: 50, tokenIntervalsMs: [300] });
    expect(alerts.map((a) => a.to)).toEqual(['lpu', 'lpu_single']);
    expect(p.route('groq')).toEqual({ channel: 'lpu_single', reason: 'token-interval p95 exceeded 120 ms (measured 300 ms)' });
    // Late news from a channel above the floor changes nothing.
    for (let i = 0; i < 3; i++) p.record({ channel: 'groq', ok: false, errorCode: 'groq_unreachable' });
    expect(alerts).toHaveLength(2);
  });

  it('never drops the last model channel to extractive for slowness alone, but does for failures', () => {
    const { p, alerts } = policy();
    for (let i = 0; i < 3; i++) p.record({ channel: 'lpu', ok: true, ttftMs: 50, tokenIntervalsMs: [300] });
    expect(p.state().floor).toBe('lpu_single');
    // One worker is faster here (200 ms gaps against 300), but its first tokens are slow: its answers keep the model.
    for (let i = 0; i < 5; i++) p.record({ channel: 'lpu_single', ok: true, ttftMs: 90_000, tokenIntervalsMs: [200] });
    expect(p.state().floor).toBe('lpu_single');
    for (let i = 0; i < 3; i++) p.record({ channel: 'lpu_single', ok: false, errorCode: 'lpu_failed' });
    expect(p.state().floor).toBe('extractive');
    expect(alerts.map((a) => a.to)).toEqual(['lpu_single', 'extractive']);
    const slow = { channel: 'lpu_single' as const, ok: true, ttftMs: 90_000, tokenIntervalsMs: [900] };
    expect(crossedThreshold([slow, slow, slow], 0, THRESHOLDS, false)).toBeNull();
    expect(crossedThreshold([slow, slow, slow], 0, THRESHOLDS)).not.toBeNull();
  });

  it('sends a failed answer one step down, never above the floor, and nowhere after extractive', () => {
    const { p, crashes } = policy();
    expect(p.next('groq')).toBe('lpu');
    expect(p.next('lpu')).toBe('lpu_single');
    expect(p.next('lpu_single')).toBe('extractive');
    expect(p.next('extractive')).toBeNull();
    p.recordWorkerCrash('lpu');
    p.record({ channel: 'lpu', ok: false, errorCode: 'lpu_worker_crashed' });
    expect(p.state().floor).toBe('lpu_single');
    expect(crashes).toEqual(['lpu', 'lpu']);
    expect(p.next('groq')).toBe('lpu_single');
  });

  it('recovers one step per quiet period, and new trouble restarts the wait', () => {
    const { p, alerts, advance } = policy(5 * MINUTE);
    for (let i = 0; i < 3; i++) p.record({ channel: 'groq', ok: false, errorCode: 'groq_unreachable' });
    for (let i = 0; i < 3; i++) p.record({ channel: 'lpu', ok: false, errorCode: 'lpu_failed' });
    expect(p.state().floor).toBe('lpu_single');
    advance(4 * MINUTE);
    p.record({ channel: 'lpu_single', ok: false, errorCode: 'lpu_failed' }); // trouble below the threshold still delays recovery
    expect(p.state().floor).toBe('lpu_single');
    advance(4 * MINUTE);
    expect(p.route('groq').channel).toBe('lpu_single');
    advance(1 * MINUTE);
    expect(p.route('groq').channel).toBe('lpu');
    advance(5 * MINUTE);
    expect(p.route('groq')).toEqual({ channel: 'groq' });
    expect(alerts.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual([
      'stepped_down groq→lpu',
      'stepped_down lpu→lpu_single',
      'recovered lpu_single→lpu',
      'recovered lpu→groq',
    ]);
    expect(p.state()).toMatchObject({ floor: 'groq', reason: null, unseenAlerts: 2 });
  });

  it('says answers go to extractive sentences when the chain stands on a local channel and no local model is installed', async () => {
    let installed = false;
    const { p, alerts } = policy(5 * MINUTE, { installed: async () => installed });
    await p.refreshLocalModel();
    expect(p.state()).toMatchObject({ floor: 'groq', answersOn: 'groq', localModelInstalled: false });
    for (let i = 0; i < 3; i++) p.record({ channel: 'groq', ok: false, errorCode: 'groq_unreachable' });
    expect(p.state()).toMatchObject({ floor: 'lpu', answersOn: 'extractive' });
    expect(alerts[0]).toMatchObject({ to: 'lpu', answersOn: 'extractive' });
    expect(alerts[0]!.message).toBe(
      'Answering on the extractive channel (sentences from your documents), as no local chat model is installed: error rate 100% (3 of 3 answers in 10 min) exceeded 20% on Groq.',
    );
    installed = true;
    await p.refreshLocalModel();
    expect(p.state()).toMatchObject({ floor: 'lpu', answersOn: 'lpu', localModelInstalled: true });
  });
});

describe('a step down for slowness alone', () => {
  const slow = (channel: 'lpu' | 'lpu_single', gapMs: number) => ({ channel, ok: true, ttftMs: 50, tokenIntervalsMs: [gapMs, gapMs] });

  it('steps back up when the one-worker channel is not faster, and slowness does not move it again for a quiet period', () => {
    const { p, alerts } = policy(5 * MINUTE);
    for (let i = 0; i < 3; i++) p.record(slow('lpu', 300));
    expect(p.state().floor).toBe('lpu_single');
    // A saturated machine: one worker gives 600 ms gaps where two gave 300 ms. Two answers are not yet a verdict.
    for (let i = 0; i < 2; i++) p.record(slow('lpu_single', 600));
    expect(p.state().floor).toBe('lpu_single');
    p.record(slow('lpu_single', 600));
    expect(p.state()).toMatchObject({ floor: 'lpu', reason: 'the single-worker CPU channel was not faster (token-interval p95 600 ms against 300 ms)' });
    expect(alerts.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual(['stepped_down lpu→lpu_single', 'recovered lpu_single→lpu']);
    expect(alerts[1]!.message).toBe('Back on the LPU emulator on all its workers: the single-worker CPU channel was not faster (token-interval p95 600 ms against 300 ms).');
    // Still slow on two workers: no flapping back down while the hold lasts...
    for (let i = 0; i < 5; i++) p.record(slow('lpu', 300));
    expect(p.state().floor).toBe('lpu');
    // ...but failures still step it down.
    for (let i = 0; i < 3; i++) p.record({ channel: 'lpu', ok: false, errorCode: 'lpu_failed' });
    expect(p.state().floor).toBe('lpu_single');
  });

  it('keeps the one-worker channel when it measures faster, and judges again after the hold', () => {
    const { p, alerts } = policy(5 * MINUTE);
    for (let i = 0; i < 3; i++) p.record(slow('lpu', 300));
    for (let i = 0; i < 3; i++) p.record(slow('lpu_single', 200));
    expect(p.state().floor).toBe('lpu_single');
    expect(alerts).toHaveLength(1);
    // Equal is not faster either.
    const { p: q, advance } = policy(5 * MINUTE);
    for (let i = 0; i < 3; i++) q.record(slow('lpu', 300));
    for (let i = 0; i < 3; i++) q.record(slow('lpu_single', 300));
    expect(q.state().floor).toBe('lpu');
    for (let i = 0; i < 3; i++) q.record(slow('lpu', 300));
    expect(q.state().floor).toBe('lpu');
    // After the quiet period the two-worker channel's slowness counts again.
    advance(5 * MINUTE);
    q.record(slow('lpu', 300));
    expect(q.state().floor).toBe('lpu_single');
  });

  it('does not put failures on trial: a step down for errors stays however the channel below measures', () => {
    const { p } = policy();
    for (let i = 0; i < 3; i++) p.record({ channel: 'lpu', ok: false, errorCode: 'lpu_failed' });
    for (let i = 0; i < 3; i++) p.record(slow('lpu_single', 900));
    expect(p.state().floor).toBe('lpu_single');
  });
});
