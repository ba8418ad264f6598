import { statSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { openGgufModel } from './gguf-model';
import { openSafetensorsModel } from './safetensors';
import { isStringList } from './gguf';
import type { ModelSource } from './model-source';

export { readGgufMetadata } from './gguf';
export { safetensorsFiles } from './safetensors';
export type { ModelConfig, ModelSource, WeightSource } from './model-source';

/** Opens a model: a .gguf file, or a Hugging Face folder with config.json and *.safetensors. */
export function openModel(modelPath: string): ModelSource {
  let isDir: boolean;
  try {
    isDir = statSync(modelPath).isDirectory();
  } catch (cause) {
    throw new AppError('model_not_found', `No model was found at ${modelPath}.`, cause);
  }
  return isDir ? openSafetensorsModel(modelPath) : openGgufModel(modelPath);
}

export interface ModelInspection {
  format: 'gguf' | 'safetensors';
  architecture: string;
  name: string;
  parameterCount: number;
  contextLength: number;
  tensorTypes: string[];
  hasTokenizer: boolean;
  chatTemplate?: string;
  /** How the model will run, where the user should know (a multimodal model's images are not used). */
  notice?: string;
}

/** Validates a model for import: throws AppError('unsupported_model') naming what is unsupported. Reads no weights. */
export async function inspectModel(modelPath: string): Promise<ModelInspection> {
  const source = openModel(modelPath);
  const md = source.tokenizer.metadata;
  const hasTokenizer = source.tokenizer.kind === 'gguf'
    ? isStringList(md?.get('tokenizer.ggml.tokens')) && ['llama', 'gpt2'].includes(String(md?.get('tokenizer.ggml.model')))
    : source.tokenizer.folder !== undefined;
  return {
    format: source.format,
    architecture: source.config.architecture,
    name: source.config.name,
    parameterCount: source.parameterCount,
    contextLength: source.config.contextLength,
    tensorTypes: [...new Set([...source.weights.values()].map((w) => w.storedType))].sort(),
    hasTokenizer,
    ...(source.tokenizer.chatTemplate ? { chatTemplate: source.tokenizer.chatTemplate } : {}),
    ...(source.notice ? { notice: source.notice } : {}),
  };
}
