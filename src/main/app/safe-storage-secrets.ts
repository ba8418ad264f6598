import { safeStorage } from 'electron';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { SecretName, SecretStore } from '../secrets/secret-store';

/**
 * In the app, secrets are encrypted by Electron safeStorage (the OS keychain / DPAPI / libsecret) and the
 * ciphertext kept in <dataDir>/secrets/safe-storage.json (0600); nothing readable ever reaches the disk.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'secrets', 'safe-storage.json');
  }

  static available(): boolean {
    return safeStorage.isEncryptionAvailable();
  }

  get(name: SecretName): string | null {
    const blob = this.read()[name];
    if (!blob) return null;
    try {
      return safeStorage.decryptString(Buffer.from(blob, 'base64'));
    } catch (cause) {
      throw new AppError('secret_unreadable', 'A saved key could not be decrypted by the system keychain. Enter the key again in Settings.', cause);
    }
  }

  set(name: SecretName, value: string): void {
    this.write({ ...this.read(), [name]: safeStorage.encryptString(value).toString('base64') });
  }

  delete(name: SecretName): void {
    const entries = this.read();
    delete entries[name];
    this.write(entries);
  }

  has(name: SecretName): boolean {
    return name in this.read();
  }

  private read(): Record<string, string> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>) : {};
  }

  private write(entries: Record<string, string>): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
  }
}
