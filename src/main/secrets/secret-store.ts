/** Named secrets (the Groq API key, OpenAI-compatible servers' keys, the local API token) encrypted at rest; values never leave the main process. */
export interface SecretStore {
  get(name: SecretName): string | null;
  set(name: SecretName, value: string): void;
  delete(name: SecretName): void;
  has(name: SecretName): boolean;
}

/** An OpenAI-compatible server's key is stored under the server's id. */
export type SecretName = 'groq.apiKey' | 'localApi.token' | `openai.${string}.apiKey`;

export const openAiKeyName = (serverId: string): SecretName => `openai.${serverId}.apiKey`;

/** Memory only: for tests and for users who do not want the key written anywhere. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<SecretName, string>();
  get(name: SecretName) {
    return this.values.get(name) ?? null;
  }
  set(name: SecretName, value: string) {
    this.values.set(name, value);
  }
  delete(name: SecretName) {
    this.values.delete(name);
  }
  has(name: SecretName) {
    return this.values.has(name);
  }
}
