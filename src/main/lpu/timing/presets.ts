import type { ModelConfig } from '../loader/model-source';

/**
 * A published model shape as Groq serves it: the architecture from the model card, the context window of the
 * endpoint (it sizes the KV cache that must stay resident in SRAM), and the experts of a mixture-of-experts FFN.
 */
export interface DeploymentPreset extends ModelConfig {
  /** Context window of the served endpoint (Groq model ids: llama3-8b-8192, mixtral-8x7b-32768, …). */
  servedContext: number;
  /** Mixture of experts: `count` FFNs of hiddenDim per layer, `active` of them run per token. */
  experts?: { count: number; active: number };
}

const llama = (name: string, dim: number, hiddenDim: number, nLayers: number, nHeads: number, nKvHeads: number, vocabSize: number,
  contextLength: number, ropeTheta: number, servedContext: number): DeploymentPreset => ({
  architecture: 'llama', name, dim, hiddenDim, nLayers, nHeads, nKvHeads, headDim: dim / nHeads, vocabSize, contextLength, ropeTheta,
  rmsEps: 1e-5, tiedEmbeddings: false, qkvBias: false, servedContext,
});

/** Published model shapes (config.json of each model card) for timing-only predictions; no weights needed. */
export const TIMING_PRESETS: Record<string, DeploymentPreset> = {
  'llama-2-7b': llama('Llama-2-7B', 4096, 11008, 32, 32, 32, 32000, 4096, 10000, 2048),
  'llama-2-70b': llama('Llama-2-70B', 8192, 28672, 80, 64, 8, 32000, 4096, 10000, 4096),
  'llama-3-8b': llama('Llama-3-8B', 4096, 14336, 32, 32, 8, 128256, 8192, 500000, 8192),
  'llama-3.1-8b': llama('Llama-3.1-8B', 4096, 14336, 32, 32, 8, 128256, 131072, 500000, 131072),
  'llama-3.1-70b': llama('Llama-3.1-70B', 8192, 28672, 80, 64, 8, 128256, 131072, 500000, 131072),
  'llama-3.3-70b': llama('Llama-3.3-70B', 8192, 28672, 80, 64, 8, 128256, 131072, 500000, 131072),
  'smollm2-135m': { ...llama('SmolLM2-135M', 576, 1536, 30, 9, 3, 49152, 8192, 100000, 8192), tiedEmbeddings: true },
  'mixtral-8x7b': { ...llama('Mixtral-8x7B', 4096, 14336, 32, 32, 8, 32000, 32768, 1e6, 32768), experts: { count: 8, active: 2 } },
};

/** A published per-user figure for one preset, with where it comes from. */
export interface PublishedPoint {
  preset: string;
  metric: 'decode_tok_s';
  value: number;
  /** Chips of the deployment when a source states it; otherwise the model's own fewest-that-fit plan. */
  chips?: number;
  source: string;
  url: string;
}

/**
 * Groq's published and independently measured decode speeds (tokens/s per user). docs/lpu-fidelity.md lists them
 * with their dates; the first is the calibration point (the only one with a published chip count).
 */
export const PUBLISHED_POINTS: PublishedPoint[] = [
  { preset: 'llama-2-70b', metric: 'decode_tok_s', value: 256, chips: 576,
    source: 'LLMPerf raw data 2024-01-10, decode-only (185 incl. TTFT); 576 chips: The Next Platform 2023-11-27',
    url: 'https://github.com/ray-project/llmperf-leaderboard' },
  { preset: 'llama-2-7b', metric: 'decode_tok_s', value: 750,
    source: 'TechPowerUp 2024-02, Llama 2 7B at 2048 context', url: 'https://techpowerup.com/news-tags/Processor?page=3' },
  { preset: 'mixtral-8x7b', metric: 'decode_tok_s', value: 480,
    source: 'TechPowerUp 2024-02, Mixtral 8x7B', url: 'https://techpowerup.com/news-tags/Processor?page=3' },
  { preset: 'llama-3-8b', metric: 'decode_tok_s', value: 877,
    source: 'ArtificialAnalysis 2024, llama3-8b-8192', url: 'https://artificialanalysis.ai/' },
  { preset: 'llama-3.1-70b', metric: 'decode_tok_s', value: 250,
    source: 'Groq llama-3.1-70b-specdec announcement 2024-10 (the plain endpoint "from 250 T/s")', url: 'https://www.theaiobserver.com/?p=321' },
  { preset: 'llama-3.1-8b', metric: 'decode_tok_s', value: 560,
    source: 'Groq models page, llama-3.1-8b-instant', url: 'https://console.groq.com/docs/models' },
  { preset: 'llama-3.3-70b', metric: 'decode_tok_s', value: 280,
    source: 'Groq models page, llama-3.3-70b-versatile', url: 'https://console.groq.com/docs/models' },
];

/** The point the one knob is fitted on. */
export const CALIBRATION_PRESET = 'llama-2-70b';
