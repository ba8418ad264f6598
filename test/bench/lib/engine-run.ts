// The measurement protocol shared by the benchmark's engine processes: one process per engine so peak RSS is
// that engine's alone; each prints exactly one JSON line (EngineReport) on stdout.

export interface BenchRequest {
  modelPath: string;
  threads: number;
  /** The same text for both engines; each tokenizes it itself and reports how many tokens it evaluated. */
  promptText: string;
  decodeTokens: number;
  repetitions: number;
  /** Which round of the interleaved benchmark this process serves (makes its prompt markers unique). */
  round?: number;
}

/** One repetition: prompt evaluated from an empty cache, then decodeTokens greedy tokens. */
export interface RunTiming {
  promptTokens: number;
  ttftMs: number;
  /** Wall time between consecutive generated tokens (decodeTokens − 1 intervals). */
  tokenIntervalsMs: number[];
}

export interface EngineReport {
  engine: string;
  runs: RunTiming[];
  peakRssBytes: number;
  /** Resident set before loading the model: Node and the engine's code, what any model pays. */
  baselineRssBytes?: number;
  /** Resident set right after loading (weights in memory, threads started, nothing generated yet). */
  loadedRssBytes?: number;
  loadMs: number;
  error?: string;
}

/** What an engine process implements: load once, then time one greedy generation per call. */
export interface BenchEngine {
  name: string;
  /** Evaluates the prompt from an empty cache, calls onToken for each of `count` generated tokens; returns the prompt's token count. */
  generate(prompt: string, count: number, onToken: () => void): Promise<number>;
  dispose(): Promise<void>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs the protocol in an engine process: reads the request from argv, prints the report, exits. */
export async function runEngineProcess(name: string, load: (request: BenchRequest) => Promise<BenchEngine>): Promise<void> {
  const request = JSON.parse(process.argv[2]!) as BenchRequest;
  const report: EngineReport = { engine: name, runs: [], peakRssBytes: 0, loadMs: 0 };
  try {
    report.baselineRssBytes = process.memoryUsage().rss;
    const loadStart = performance.now();
    const engine = await load(request);
    report.loadMs = performance.now() - loadStart;
    report.loadedRssBytes = process.memoryUsage().rss;
    // A distinct leading marker per run: neither engine may reuse the previous run's KV cache for the prompt.
    const marked = (run: number) => `${run}. ${request.promptText}`;
    const first = 1 + (request.round ?? 0) * (request.repetitions + 1);
    await engine.generate(marked(first).slice(0, 400), 4, () => {}); // warm-up: JIT, thread pools, page faults
    for (let r = 0; r < request.repetitions; r++) {
      const start = performance.now();
      let last = 0;
      const run: RunTiming = { promptTokens: 0, ttftMs: 0, tokenIntervalsMs: [] };
      run.promptTokens = await engine.generate(marked(first + r + 1), request.decodeTokens, () => {
        const now = performance.now();
        if (last === 0) run.ttftMs = now - start;
        else run.tokenIntervalsMs.push(now - last);
        last = now;
      });
      report.runs.push(run);
    }
    await engine.dispose();
  } catch (error) {
    report.error = error instanceof Error ? `${error.message}` : String(error);
  }
  report.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}
