import type { ModelConfig } from '../loader/model-source';

/** Published model shapes for timing-only compiles (no weights needed). */
export const TIMING_PRESETS: Record<string, ModelConfig> = {
  'llama-2-70b': {
    architecture: 'llama', name: 'Llama-2-70B', dim: 8192, hiddenDim: 28672, nLayers: 80, nHeads: 64, nKvHeads: 8, headDim: 128,
    vocabSize: 32000, contextLength: 4096, ropeTheta: 10000, rmsEps: 1e-5, tiedEmbeddings: false, qkvBias: false,
  },
  'llama-3.1-8b': {
    architecture: 'llama', name: 'Llama-3.1-8B', dim: 4096, hiddenDim: 14336, nLayers: 32, nHeads: 32, nKvHeads: 8, headDim: 128,
    vocabSize: 128256, contextLength: 131072, ropeTheta: 500000, rmsEps: 1e-5, tiedEmbeddings: false, qkvBias: false,
  },
  'llama-3.3-70b': {
    architecture: 'llama', name: 'Llama-3.3-70B', dim: 8192, hiddenDim: 28672, nLayers: 80, nHeads: 64, nKvHeads: 8, headDim: 128,
    vocabSize: 128256, contextLength: 131072, ropeTheta: 500000, rmsEps: 1e-5, tiedEmbeddings: false, qkvBias: false,
  },
};

/** Groq's published per-user decode speeds (tokens/s) the predictions are checked against (docs/lpu-timing.md). */
export const PUBLISHED_DECODE_TOK_S: Record<string, { value: number; chips?: number; source: string }> = {
  'llama-2-70b': { value: 256, chips: 576, source: 'LLMPerf 2024-01-10, decode-only (185 incl. TTFT)' },
  'llama-3.1-8b': { value: 560, source: 'Groq models page, llama-3.1-8b-instant' },
  'llama-3.3-70b': { value: 280, source: 'Groq models page, llama-3.3-70b-versatile' },
};
