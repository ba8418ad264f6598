import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { SecretName, SecretStore } from './secret-store';

/**
 * Browser mode and CLI: secrets in <dataDir>/secrets/secrets.enc (AES-256-GCM, one random IV per value,
 * the secret's name as associated data), keyed by HKDF-SHA256 over a random 32-byte per-install key in
 * <dataDir>/secrets/install.key. Both files are 0600 inside a 0700 folder and never inside the database,
 * so the database, its backups and logs never hold the key. It does not protect against another process
 * running as the same user reading both files; Electron's safeStorage (OS keychain) covers that in the app.
 */
export class FileSecretStore implements SecretStore {
  private readonly dir: string;
  private key: Buffer | null = null;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'secrets');
  }

  get(name: SecretName): string | null {
    const entry = this.read()[name];
    if (!entry) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey(), Buffer.from(entry.iv, 'base64'));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new AppError('secret_unreadable', 'A saved key could not be decrypted (the install key changed). Enter the key again in Settings → Providers.', cause);
    }
  }

  set(name: SecretName, value: string): void {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey(), iv);
    cipher.setAAD(Buffer.from(name));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const entries = this.read();
    entries[name] = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    this.write(entries);
  }

  delete(name: SecretName): void {
    const entries = this.read();
    if (!(name in entries)) return;
    delete entries[name];
    this.write(entries);
  }

  has(name: SecretName): boolean {
    return name in this.read();
  }

  private get secretsFile() {
    return path.join(this.dir, 'secrets.enc');
  }

  private ensureDir() {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  private encryptionKey(): Buffer {
    if (this.key) return this.key;
    const keyFile = path.join(this.dir, 'install.key');
    if (!existsSync(keyFile)) {
      this.ensureDir();
      writeFileSync(keyFile, randomBytes(32), { mode: 0o600, flag: 'wx' });
    }
    const installKey = readFileSync(keyFile);
    this.key = Buffer.from(hkdfSync('sha256', installKey, 'lockstep', 'lockstep secrets v1', 32));
    return this.key;
  }

  private read(): Record<string, { iv: string; tag: string; data: string }> {
    if (!existsSync(this.secretsFile)) return {};
    return z.record(z.string(), z.object({ iv: z.string(), tag: z.string(), data: z.string() })).parse(JSON.parse(readFileSync(this.secretsFile, 'utf8')));
  }

  // Written to a 0600 temp file, then renamed: a crash never leaves a half-written or world-readable file.
  private write(entries: Record<string, unknown>) {
    this.ensureDir();
    const temp = `${this.secretsFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
    renameSync(temp, this.secretsFile);
  }
}
