import { AppError } from '../../shared/errors';
import { SUPPORTED_ARCHITECTURES, type Architecture } from '../lpu/loader/model-source';

// The models Lockstep can download. Sizes and sha256 values come from published pins of these exact files
// (cross-checked against at least one independent copy, or against ../shared/models/tokenizers for the MiniLM json).
// A null sha256 means no trustworthy published value was found: the downloader then verifies against the checksum
// the hub itself sends (X-Linked-ETag = sha256 for LFS files, ETag = git blob sha1 for small files), see verify.ts.

export type ModelKind = 'embedding' | 'chat' | 'reranker';

export interface CatalogFile {
  /** Path inside the Hugging Face repository, and inside the installed model folder. */
  path: string;
  /** Exact byte count, or null when it is only known from the server's Content-Length. */
  size: number | null;
  sha256: string | null;
}

interface CatalogBase {
  /** Stable id: the hub repo id for embedders (transformers.js loads it by this name), a short slug for chat GGUFs. */
  id: string;
  kind: ModelKind;
  name: string;
  /** Hugging Face repository and the commit (or branch) the pins refer to. */
  repo: string;
  revision: string;
  files: CatalogFile[];
  licence: string;
  /** Approximate resident memory once loaded, in bytes. */
  memoryBytes: number;
  /** Total download, exact when every file size is known. */
  downloadBytes: number;
}

export interface EmbedderEntry extends CatalogBase {
  kind: 'embedding';
  dimension: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  queryPrefix: string;
  passagePrefix: string;
  maxTokens: number;
  /** The transformers.js dtype whose ONNX file is listed in files (q8 → onnx/model_quantized.onnx). */
  dtype: 'q8';
}

export interface ChatEntry extends CatalogBase {
  kind: 'chat';
  format: 'gguf';
  /** GGUF general.architecture, checked again on load. */
  architecture: 'llama' | 'qwen2' | 'qwen3' | 'gemma3';
  /** The file's weight format as its publisher names it (Q4_K_M: Q4_K and Q6_K tensors). */
  quantization: string;
  contextLength: number;
}

/** A cross-encoder: reads a query and a passage together; a sequence-classification head gives one relevance logit. */
export interface RerankerEntry extends CatalogBase {
  kind: 'reranker';
  /** Longest query + passage pair in tokens; longer passages are truncated. */
  maxTokens: number;
  dtype: 'q8';
}

export type CatalogEntry = EmbedderEntry | ChatEntry | RerankerEntry;

/** A published size and sha256 of one file, or nulls where none was found (verified against the hub instead). */
type Pin = readonly [size: number | null, sha256: string | null];
const UNPINNED: Pin = [null, null];

/** What every transformers.js q8 model shares: the hub repo named by its id, and the four files it needs, pinned. */
function transformersJsModel<K extends 'embedding' | 'reranker'>(kind: K, id: string, revision: string, pins: readonly [config: Pin, tokenizer: Pin, tokenizerConfig: Pin, onnx: Pin]) {
  const paths = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
  return { id, kind, repo: id, revision, files: paths.map((path, i) => ({ path, size: pins[i]![0], sha256: pins[i]![1] })), dtype: 'q8' as const };
}

/** An entry as declared: its download size is the sum of its files', added once below. */
type Declared<T extends CatalogBase> = Omit<T, 'downloadBytes'>;

const sumSizes = (files: CatalogFile[], unknownEstimate = 0) =>
  files.reduce((total, file) => total + (file.size ?? 0), 0) + unknownEstimate;

const embedders: Declared<EmbedderEntry>[] = [
  {
    ...transformersJsModel('embedding', 'Xenova/all-MiniLM-L6-v2', '751bff37182d3f1213fa05d7196b954e230abad9', [
      [650, '7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7'],
      [711_661, 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0'],
      [366, '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3'],
      [22_972_370, 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1'],
    ]),
    name: 'all-MiniLM-L6-v2 (English, default)',
    licence: 'apache-2.0',
    memoryBytes: 150e6,
    dimension: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    passagePrefix: '',
    // sentence-transformers' max_seq_length for this model (positions go to 512, training stopped at 256).
    maxTokens: 256,
  },
  {
    // No published pin of this repo was found: follow main and verify each file against the hub's own checksum.
    ...transformersJsModel('embedding', 'Xenova/multilingual-e5-small', 'main', [UNPINNED, UNPINNED, UNPINNED, UNPINNED]),
    name: 'multilingual-e5-small (~100 languages)',
    licence: 'mit',
    memoryBytes: 300e6,
    dimension: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    maxTokens: 512,
  },
  {
    ...transformersJsModel('embedding', 'Xenova/bge-small-en-v1.5', 'ea104dacec62c0de699686887e3f920caeb4f3e3', [
      [683, 'fa73f90bf92c8cace1fbcb709626306f2bdbc9ea3e5b5f94b440df9b6aa56350'],
      [711_396, 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66'],
      [366, '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3'],
      [34_014_426, '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4'],
    ]),
    name: 'bge-small-en-v1.5 (English retrieval)',
    licence: 'mit',
    memoryBytes: 200e6,
    dimension: 384,
    pooling: 'cls',
    normalize: true,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    maxTokens: 512,
  },
];

// Pins from two independent public manifests of this revision that agree on every sha256 and size; the tokenizer is
// byte-identical to bge-small-en-v1.5's (BERT uncased vocabulary), whose pin above came from elsewhere.
const rerankers: Declared<RerankerEntry>[] = [
  {
    ...transformersJsModel('reranker', 'Xenova/ms-marco-MiniLM-L-6-v2', 'a09144355adeed5f58c8ed011d209bf8ee5a1fec', [
      [824, 'd827779a72d27ae68cf878a6fc2e954542663fe21ca515d9f4783fc96be2d37e'],
      [711_396, 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66'],
      [1_242, '0b29c7bfc889e53b36d9dd3e686dd4300f6525110eaa98c76a5dafceb2029f53'],
      [23_143_499, 'e9d8ebf845c413e981c175bfe49a3bfa9b3dcce2a3ba54875ee5df5a58639fbe'],
    ]),
    name: 'ms-marco-MiniLM-L-6-v2 (English reranker)',
    licence: 'apache-2.0',
    memoryBytes: 120e6,
    maxTokens: 512,
  },
];

// memoryBytes for chat models: approximate resident memory once loaded (weights, KV cache for a 4k bucket, runtime).
const chatModels: Declared<ChatEntry>[] = [
  {
    id: 'smollm2-360m-instruct-q8_0',
    kind: 'chat',
    name: 'SmolLM2 360M Instruct (Q8_0)',
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct-GGUF',
    revision: '593b5a2e04c8f3e4ee880263f93e0bd2901ad47f',
    files: [{ path: 'smollm2-360m-instruct-q8_0.gguf', size: 386_404_992, sha256: '48ab3034d0dd401fbc721eb1df3217902fee7dab9078992d66431f09b7750201' }],
    licence: 'apache-2.0',
    memoryBytes: 1.0e9,
    format: 'gguf',
    architecture: 'llama',
    quantization: 'Q8_0',
    contextLength: 8192,
  },
  {
    id: 'qwen2.5-0.5b-instruct-q8_0',
    kind: 'chat',
    name: 'Qwen2.5 0.5B Instruct (Q8_0)',
    repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
    revision: '9217f5db79a29953eb74d5343926648285ec7e67',
    files: [{ path: 'qwen2.5-0.5b-instruct-q8_0.gguf', size: 675_710_816, sha256: 'ca59ca7f13d0e15a8cfa77bd17e65d24f6844b554a7b6c12e07a5f89ff76844e' }],
    licence: 'apache-2.0',
    memoryBytes: 0.9e9,
    format: 'gguf',
    architecture: 'qwen2',
    quantization: 'Q8_0',
    contextLength: 32768,
  },
  {
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    kind: 'chat',
    name: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
    revision: '91cad51170dc346986eccefdc2dd33a9da36ead9',
    files: [{ path: 'qwen2.5-1.5b-instruct-q4_k_m.gguf', size: 1_117_320_736, sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e' }],
    licence: 'apache-2.0',
    memoryBytes: 2.1e9,
    format: 'gguf',
    architecture: 'qwen2',
    quantization: 'Q4_K_M',
    contextLength: 32768,
  },
  {
    id: 'llama-3.2-1b-instruct-q4_k_m',
    kind: 'chat',
    name: 'Llama 3.2 1B Instruct (Q4_K_M, default)',
    repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
    revision: '067b946cf014b7c697f3654f621d577a3e3afd1c',
    files: [{ path: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf', size: 807_694_464, sha256: '6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83' }],
    licence: 'llama3.2',
    memoryBytes: 1.3e9,
    format: 'gguf',
    architecture: 'llama',
    quantization: 'Q4_K_M',
    contextLength: 131072,
  },
  {
    id: 'llama-3.2-1b-instruct-q8_0',
    kind: 'chat',
    name: 'Llama 3.2 1B Instruct (Q8_0)',
    repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
    revision: '067b946cf014b7c697f3654f621d577a3e3afd1c',
    files: [{ path: 'Llama-3.2-1B-Instruct-Q8_0.gguf', size: 1_321_083_008, sha256: '432f310a77f4650a88d0fd59ecdd7cebed8d684bafea53cbff0473542964f0c3' }],
    licence: 'llama3.2',
    memoryBytes: 1.8e9,
    format: 'gguf',
    architecture: 'llama',
    quantization: 'Q8_0',
    contextLength: 131072,
  },
  {
    id: 'llama-3.2-3b-instruct-q4_k_m',
    kind: 'chat',
    name: 'Llama 3.2 3B Instruct (Q4_K_M)',
    repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
    revision: '5ab33fa94d1d04e903623ae72c95d1696f09f9e8',
    files: [{ path: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf', size: 2_019_377_696, sha256: '6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff' }],
    licence: 'llama3.2',
    memoryBytes: 2.9e9,
    format: 'gguf',
    architecture: 'llama',
    quantization: 'Q4_K_M',
    contextLength: 131072,
  },
  {
    // Qwen publishes only Q8_0 GGUFs of Qwen3; unsloth's Q4_K_M is the one LM Studio and Ollama users pick.
    id: 'qwen3-0.6b-q4_k_m',
    kind: 'chat',
    name: 'Qwen3 0.6B (Q4_K_M)',
    repo: 'unsloth/Qwen3-0.6B-GGUF',
    revision: 'main',
    files: [{ path: 'Qwen3-0.6B-Q4_K_M.gguf', size: 396_705_472, sha256: 'ac2d97712095a558e31573f62f466a3f9d93990898b0ec79d7c974c1780d524a' }],
    licence: 'apache-2.0',
    memoryBytes: 0.8e9,
    format: 'gguf',
    architecture: 'qwen3',
    quantization: 'Q4_K_M',
    contextLength: 40960,
  },
  {
    id: 'qwen3-1.7b-q4_k_m',
    kind: 'chat',
    name: 'Qwen3 1.7B (Q4_K_M)',
    repo: 'unsloth/Qwen3-1.7B-GGUF',
    revision: 'main',
    files: [{ path: 'Qwen3-1.7B-Q4_K_M.gguf', size: 1_107_409_472, sha256: 'b139949c5bd74937ad8ed8c8cf3d9ffb1e99c866c823204dc42c0d91fa181897' }],
    licence: 'apache-2.0',
    memoryBytes: 1.8e9,
    format: 'gguf',
    architecture: 'qwen3',
    quantization: 'Q4_K_M',
    contextLength: 40960,
  },
  {
    // llama.cpp's own conversion (ggml-org); no published sha256, so the hub's LFS checksum is verified.
    id: 'gemma-3-1b-it-q4_k_m',
    kind: 'chat',
    name: 'Gemma 3 1B Instruct (Q4_K_M)',
    repo: 'ggml-org/gemma-3-1b-it-GGUF',
    revision: 'main',
    files: [{ path: 'gemma-3-1b-it-Q4_K_M.gguf', size: 806_058_240, sha256: null }],
    licence: 'gemma',
    memoryBytes: 1.4e9,
    format: 'gguf',
    architecture: 'gemma3',
    quantization: 'Q4_K_M',
    contextLength: 32768,
  },
];

// multilingual-e5-small's q8 ONNX (~118 MB) and tokenizer (~17 MB) sizes are estimates until the server reports them.
const unknownSizeEstimates: Record<string, number> = { 'Xenova/multilingual-e5-small': 136e6 };

export const catalog: readonly CatalogEntry[] = [...embedders, ...chatModels, ...rerankers].map((entry): CatalogEntry => ({
  ...entry,
  downloadBytes: sumSizes(entry.files, unknownSizeEstimates[entry.id]),
}));

export const DEFAULT_EMBEDDER_ID = 'Xenova/all-MiniLM-L6-v2';
/** The cross-encoder search reranks with when it is installed (and the rerank setting is on). */
export const RERANKER_ID = 'Xenova/ms-marco-MiniLM-L-6-v2';
/** The chat model the setup suggests first: small, and a format the emulator runs at its own width. */
export const DEFAULT_CHAT_MODEL_ID = 'llama-3.2-1b-instruct-q4_k_m';

/** Weight formats (publisher names) whose tensors the LPU emulator loads: Q4_K_M is Q4_K + Q6_K, and so on. */
const LPU_QUANTIZATIONS = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K_S', 'Q4_K_M', 'Q5_K_S', 'Q5_K_M', 'Q6_K'];

export interface ChatCompatibility {
  /** Whether the LPU emulator runs this architecture in this format. */
  lpu: boolean;
  /** A sentence for the model manager. */
  note: string;
}

/** What the model manager shows before a download: whether the emulator runs the file, and why not if it does not. */
export function chatCompatibility(architecture: string, quantization: string | null): ChatCompatibility {
  if (!SUPPORTED_ARCHITECTURES.includes(architecture as Architecture)) {
    return { lpu: false, note: `The LPU emulator does not run ${architecture} models; it runs ${SUPPORTED_ARCHITECTURES.join(', ')}.` };
  }
  if (quantization !== null && !LPU_QUANTIZATIONS.includes(quantization.toUpperCase())) {
    return { lpu: false, note: `The LPU emulator does not load ${quantization} weights; it loads ${LPU_QUANTIZATIONS.join(', ')}.` };
  }
  return { lpu: true, note: `Runs on the LPU emulator (${architecture}${quantization ? `, ${quantization}` : ''}), checked against llama.cpp.` };
}

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.id === id);
}

export function requireCatalogEntry(id: string): CatalogEntry {
  const entry = findCatalogEntry(id);
  if (!entry) {
    const known = catalog.map((e) => e.id).join(', ');
    throw new AppError('model_unknown', `There is no model called "${id}" in the catalog. Known models: ${known}.`);
  }
  return entry;
}

/** The hub's download URL for one file: https://huggingface.co/<repo>/resolve/<revision>/<file>. */
export function hubFileUrl(entry: Pick<CatalogEntry, 'repo' | 'revision'>, filePath: string, hubBase = 'https://huggingface.co'): string {
  const encodedPath = filePath.split('/').map(encodeURIComponent).join('/');
  return `${hubBase}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${encodedPath}`;
}
