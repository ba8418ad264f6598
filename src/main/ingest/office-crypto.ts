import officeCrypto from 'officecrypto-tool';
import { IngestProblem, problems } from './outcome';

// Password-protected Office files are OOXML packages inside a CFB (OLE) container; officecrypto-tool decrypts
// ECMA-376 standard and agile encryption.

export const isCfb = (bytes: Uint8Array) =>
  bytes.length >= 8 && bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0 && bytes[4] === 0xa1 && bytes[5] === 0xb1;

/** Decrypts an encrypted Office file, or explains precisely why it cannot be opened. */
export async function decryptOffice(bytes: Uint8Array, password: string | undefined, what: string): Promise<Uint8Array> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let encrypted: boolean;
  try {
    encrypted = officeCrypto.isEncrypted(buffer);
  } catch (cause) {
    throw problems.corruptArchive(what, 'its encrypted container is damaged', cause);
  }
  if (!encrypted) {
    throw problems.legacyOffice();
  }
  if (!password) throw problems.passwordRequired(what);
  try {
    return new Uint8Array(await officeCrypto.decrypt(buffer, { password }));
  } catch (cause) {
    const message = (cause as Error)?.message ?? '';
    if (/incorrect|invalid password|verif/i.test(message)) throw problems.wrongPassword(what);
    if (/unsupported/i.test(message)) {
      throw new IngestProblem(
        'unsupported_encryption',
        `This ${what} uses an Office encryption scheme (ECMA-376 extensible or a legacy RC4/XOR method) that Lockstep cannot open. Save an unprotected copy and add that instead.`,
        cause,
      );
    }
    throw problems.wrongPassword(what);
  }
}
