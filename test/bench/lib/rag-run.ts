// The RAG scenario's protocol (bench:lpu --scenario rag): per repetition, a long first prompt evaluated from a cold
// cache, then a follow-up (the first prompt, its answer and a new question) that each engine may resume from its own
// cache. One process per engine; each prints exactly one JSON line (RagEngineReport) on stdout.

export interface RagRequest {
  modelPath: string;
  threads: number;
  /** The passages and question of the first prompt; a distinct marker is prepended per repetition. */
  promptText: string;
  /** What the follow-up adds after the first answer (about 100 tokens). */
  followUpText: string;
  answerTokens: number;
  repetitions: number;
  /** Context both engines are given (prompt, answer and follow-up must fit). */
  contextTokens: number;
}

export interface RagRun {
  promptTokens: number;
  ttftMs: number;
  followUpPromptTokens: number;
  /** Follow-up prompt tokens the engine did not evaluate again. */
  followUpCachedTokens: number;
  followUpTtftMs: number;
}

export interface RagEngineReport {
  engine: string;
  kernels?: string;
  runs: RagRun[];
  loadMs: number;
  error?: string;
}

/** Load once; first() evaluates a prompt from an empty cache, followUp() continues the same conversation. */
export interface RagEngine {
  name: string;
  kernels?: string;
  /** Generates `count` tokens; returns the prompt's token count, the ms to the first token and the answer text. */
  first(prompt: string, count: number): Promise<{ promptTokens: number; ttftMs: number; text: string }>;
  /** Generates one token after `prompt`, which starts with the previous prompt and its answer. */
  followUp(prompt: string): Promise<{ promptTokens: number; cachedTokens: number; ttftMs: number }>;
  dispose(): Promise<void>;
}

export async function runRagEngineProcess(name: string, load: (request: RagRequest) => Promise<RagEngine>): Promise<void> {
  const request = JSON.parse(process.argv[2]!) as RagRequest;
  const report: RagEngineReport = { engine: name, runs: [], loadMs: 0 };
  try {
    const loadStart = performance.now();
    const engine = await load(request);
    report.loadMs = performance.now() - loadStart;
    report.engine = engine.name;
    report.kernels = engine.kernels;
    // Warm-up (JIT, thread pools, page faults) on a short prompt that shares nothing with the measured ones.
    await engine.first(`0. ${request.promptText.slice(0, 300)}`, 2);
    for (let r = 1; r <= request.repetitions; r++) {
      // A distinct leading marker per repetition: the first prompt never resumes from an earlier repetition's cache.
      const prompt = `${r}. ${request.promptText}`;
      const first = await engine.first(prompt, request.answerTokens);
      const follow = await engine.followUp(`${prompt}${first.text}${request.followUpText}`);
      report.runs.push({
        promptTokens: first.promptTokens, ttftMs: first.ttftMs,
        followUpPromptTokens: follow.promptTokens, followUpCachedTokens: follow.cachedTokens, followUpTtftMs: follow.ttftMs,
      });
    }
    await engine.dispose();
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}
