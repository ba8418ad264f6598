// `npm run test:corpus` against a local HTTP server: downloads verified by sha256, atomic, resumable, and skipped
// once verified; a 404 or a wrong hash names the file; a Debian package is unpacked to its member.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { llama2cToGguf } from '../../../scripts/lib/llama2c-gguf';
import { fetchCorpus, readCorpusManifest, repoRoot, type CorpusFile, type CorpusManifest } from '../../../scripts/lib/test-corpus';
import { materialised, readGgufMetadata, type StringList } from '../../../src/main/lpu/loader/gguf';
import { corpusFile, itWithCorpus } from '../../support/corpus';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (seed: number, length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7) % 251));

/** Serves `files` by URL path; honours Range unless told not to; records every request. */
class CorpusServer {
  readonly files = new Map<string, Buffer>();
  readonly requests: { path: string; range: string | undefined }[] = [];
  ignoreRange = false;
  private server = http.createServer((req, res) => {
    const body = this.files.get(req.url ?? '');
    this.requests.push({ path: req.url ?? '', range: req.headers.range });
    if (!body) { res.writeHead(404).end('not here'); return; }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !this.ignoreRange) {
      const from = Number(range[1]);
      if (from >= body.length) { res.writeHead(416).end(); return; }
      res.writeHead(206, { 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - from }).end(body.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> { return new Promise((resolve) => this.server.close(() => resolve())); }
}

const server = new CorpusServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

let dest: string;
beforeEach(() => {
  dest = mkdtempSync(path.join(os.tmpdir(), 'lockstep-corpus-fetch-'));
  server.files.clear();
  server.requests.length = 0;
  server.ignoreRange = false;
});
afterEach(() => rmSync(dest, { recursive: true, force: true }));

/** Hosts `bytes` and returns the manifest entry that names them. */
function host(relative: string, bytes: Buffer, overrides: Partial<CorpusFile> = {}): CorpusFile {
  server.files.set(`/files/${relative}`, bytes);
  return { path: relative, size: bytes.length, sha256: sha256(bytes), licence: 'test', url: `${server.url}/files/${relative}`, ...overrides };
}

describe('fetchCorpus', () => {
  it('downloads every file verified into its place, then skips them on the next run', async () => {
    const pdf = bytesOf(1, 70_000), model = bytesOf(2, 5_000);
    const manifest: CorpusManifest = { files: [host('corpus/docs/pdf/a.pdf', pdf), host('models/tiny/model.bin', model)] };
    const progress: number[] = [];
    const first = await fetchCorpus(manifest, dest, { onProgress: (p) => progress.push(p.doneBytes) });
    expect(first).toEqual({ downloaded: ['corpus/docs/pdf/a.pdf', 'models/tiny/model.bin'], alreadyPresent: [], failed: [] });
    expect(readFileSync(path.join(dest, 'corpus/docs/pdf/a.pdf')).equals(pdf)).toBe(true);
    expect(readFileSync(path.join(dest, 'models/tiny/model.bin')).equals(model)).toBe(true);
    expect(progress.at(-1)).toBe(75_000); // determinate: ends at the manifest's total
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(readdirSync(path.join(dest, 'corpus/docs/pdf'))).toEqual(['a.pdf']); // no temp file left

    const requestsBefore = server.requests.length;
    const second = await fetchCorpus(manifest, dest);
    expect(second).toEqual({ downloaded: [], alreadyPresent: ['corpus/docs/pdf/a.pdf', 'models/tiny/model.bin'], failed: [] });
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('names a file the server does not have, and still fetches the others', async () => {
    const good = host('corpus/docs/text/ok.txt', bytesOf(3, 100));
    const gone = { ...good, path: 'corpus/docs/text/gone.txt', url: `${server.url}/files/gone.txt` };
    const report = await fetchCorpus({ files: [gone, good] }, dest);
    expect(report.downloaded).toEqual(['corpus/docs/text/ok.txt']);
    expect(report.failed).toEqual([{ path: 'corpus/docs/text/gone.txt', reason: `could not download corpus/docs/text/gone.txt: HTTP 404 Not Found from ${server.url}/files/gone.txt` }]);
    expect(existsSync(path.join(dest, 'corpus/docs/text/gone.txt'))).toBe(false);
  });

  it('rejects bytes whose sha256 differs, naming the file and keeping nothing', async () => {
    const entry = host('corpus/docs/office/t.xlsx', bytesOf(4, 2_000));
    const tampered = { ...entry, sha256: sha256(Buffer.from('something else')) };
    const report = await fetchCorpus({ files: [tampered] }, dest);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.reason).toMatch(/^sha256 mismatch for corpus\/docs\/office\/t\.xlsx \(from http:\/\/127\.0\.0\.1:\d+\/files\/corpus\/docs\/office\/t\.xlsx\): expected [0-9a-f]{64} \(2000 bytes\), got [0-9a-f]{64} \(2000 bytes\)\. The file was discarded\.$/);
    expect(readdirSync(path.join(dest, 'corpus/docs/office'))).toEqual([]);
  });

  it('resumes a partial download with a Range request', async () => {
    const bytes = bytesOf(5, 40_000);
    const entry = host('models/m.gguf', bytes);
    mkdirSync(path.join(dest, 'models'), { recursive: true });
    writeFileSync(path.join(dest, 'models/m.gguf.part'), bytes.subarray(0, 15_000));
    expect((await fetchCorpus({ files: [entry] }, dest)).downloaded).toEqual(['models/m.gguf']);
    expect(server.requests).toEqual([{ path: '/files/models/m.gguf', range: 'bytes=15000-' }]);
    expect(readFileSync(path.join(dest, 'models/m.gguf')).equals(bytes)).toBe(true);
  });

  it('downloads again from the start when the server ignores Range, or the partial file is corrupt', async () => {
    const bytes = bytesOf(6, 30_000);
    const entry = host('models/m.gguf', bytes);
    mkdirSync(path.join(dest, 'models'), { recursive: true });
    writeFileSync(path.join(dest, 'models/m.gguf.part'), bytes.subarray(0, 10_000));
    server.ignoreRange = true;
    expect((await fetchCorpus({ files: [entry] }, dest)).downloaded).toEqual(['models/m.gguf']);
    expect(readFileSync(path.join(dest, 'models/m.gguf')).equals(bytes)).toBe(true);

    // A corrupt partial file fails the hash once and is discarded; the next run starts clean and succeeds.
    server.ignoreRange = false;
    rmSync(path.join(dest, 'models/m.gguf'));
    writeFileSync(path.join(dest, 'models/m.gguf.part'), Buffer.alloc(10_000, 0xee));
    expect((await fetchCorpus({ files: [entry] }, dest)).failed[0]!.reason).toContain('sha256 mismatch for models/m.gguf');
    expect(existsSync(path.join(dest, 'models/m.gguf.part'))).toBe(false);
    expect((await fetchCorpus({ files: [entry] }, dest)).downloaded).toEqual(['models/m.gguf']);
  });

  it('unpacks a file from a Debian package after checking the package hash', async () => {
    const member = bytesOf(7, 3_000);
    const deb = await buildDeb('usr/share/doc/guide/guide.pdf', member);
    server.files.set('/pool/guide_1.0_all.deb', deb);
    const entry: CorpusFile = {
      path: 'corpus/docs/pdf/guide.pdf', size: member.length, sha256: sha256(member), licence: 'GPL-2+', url: `${server.url}/pool/guide_1.0_all.deb`,
      archive: { type: 'deb', size: deb.length, sha256: sha256(deb), member: 'usr/share/doc/guide/guide.pdf' },
    };
    expect(await fetchCorpus({ files: [entry] }, dest)).toEqual({ downloaded: ['corpus/docs/pdf/guide.pdf'], alreadyPresent: [], failed: [] });
    expect(readFileSync(path.join(dest, 'corpus/docs/pdf/guide.pdf')).equals(member)).toBe(true);
    expect(readdirSync(path.join(dest, '.downloads'))).toEqual([]); // the package is dropped once unpacked

    const wrongMember = { ...entry, path: 'corpus/docs/pdf/other.pdf', archive: { ...entry.archive!, member: 'usr/share/doc/guide/other.pdf' } };
    expect((await fetchCorpus({ files: [wrongMember] }, dest)).failed[0]!.reason).toMatch(/^tar could not extract \.\/usr\/share\/doc\/guide\/other\.pdf/);
  });

  it('builds a GGUF from llama2.c files once they are downloaded, whatever the manifest order', async () => {
    const { checkpoint, tokenizer } = tinyLlama2c();
    const expected = path.join(dest, 'expected.gguf');
    llama2cToGguf(writeTemp(dest, 'ckpt.bin', checkpoint), writeTemp(dest, 'tok.bin', tokenizer), expected, 'tiny');
    const built = readFileSync(expected);
    const derived: CorpusFile = { path: 'models/tiny-gguf/tiny.gguf', size: built.length, sha256: sha256(built), licence: 'MIT', derivedFrom: ['models/tiny/tiny.bin', 'models/tiny/tok.bin'], build: 'llama2c-to-gguf' };
    const report = await fetchCorpus({ files: [derived, host('models/tiny/tiny.bin', checkpoint), host('models/tiny/tok.bin', tokenizer)] }, dest);
    expect(report).toEqual({ downloaded: ['models/tiny-gguf/tiny.gguf', 'models/tiny/tiny.bin', 'models/tiny/tok.bin'], alreadyPresent: [], failed: [] });
    const header = readGgufMetadata(path.join(dest, 'models/tiny-gguf/tiny.gguf'));
    expect(materialised(header.metadata.get('tokenizer.ggml.tokens') as StringList).slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(materialised(header.metadata.get('tokenizer.ggml.tokens') as StringList).slice(259)).toEqual(['\u2581a', 'b', '\u2581hello']);
    expect(header.metadata.get('tokenizer.ggml.token_type')).toEqual([2, 3, 3, ...Array<number>(256).fill(6), 1, 1, 1]);
    expect(header.tensors.map((t) => t.name).slice(0, 3)).toEqual(['token_embd.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_q.weight']);
    // The embedding is the checkpoint's first array, byte for byte; the classifier is shared with it.
    const gguf = readFileSync(path.join(dest, 'models/tiny-gguf/tiny.gguf'));
    const embedding = header.tensors.find((t) => t.name === 'token_embd.weight')!, output = header.tensors.find((t) => t.name === 'output.weight')!;
    expect(gguf.subarray(embedding.fileOffset, embedding.fileOffset + embedding.byteLength).equals(checkpoint.subarray(28, 28 + 262 * 8 * 4))).toBe(true);
    expect(gguf.subarray(output.fileOffset, output.fileOffset + output.byteLength).equals(checkpoint.subarray(28, 28 + 262 * 8 * 4))).toBe(true);
  });

  it('names the missing source of a file it has to build', async () => {
    const derived: CorpusFile = { path: 'models/s.gguf', size: 10, sha256: '0'.repeat(64), licence: 'MIT', derivedFrom: ['models/s.bin', 'models/tok.bin'], build: 'llama2c-to-gguf' };
    const tokenizer = host('models/tok.bin', bytesOf(9, 100));
    const gone = { ...tokenizer, path: 'models/s.bin', url: `${server.url}/files/gone.bin` };
    const report = await fetchCorpus({ files: [derived, gone, tokenizer] }, dest);
    expect(report.failed.map((f) => f.path)).toEqual(['models/s.gguf', 'models/s.bin']);
    expect(report.failed[0]!.reason).toBe('cannot build models/s.gguf: models/s.bin is missing');
  });

  itWithCorpus(['models/stories260K/stories260K.bin', 'models/stories260K/tok512.bin'], 'converts the real stories260K checkpoint to exactly the GGUF the manifest pins', async () => {
    const pinned = readCorpusManifest().files.find((f) => f.path === 'models/stories260K-gguf/stories260K.gguf')!;
    const out = path.join(dest, 'stories260K.gguf');
    llama2cToGguf(corpusFile('models/stories260K/stories260K.bin'), corpusFile('models/stories260K/tok512.bin'), out, 'stories260K');
    expect(sha256(readFileSync(out))).toBe(pinned.sha256);
  });
});

describe('npm run test:corpus', () => {
  it('prints progress, exits 1 naming each missing file, and 0 once everything is verified', async () => {
    const ok = host('corpus/docs/text/ok.txt', bytesOf(8, 1_000));
    const missing = { ...ok, path: 'corpus/docs/text/missing.txt', url: `${server.url}/files/missing.txt` };
    const manifestFile = path.join(dest, 'manifest.json');
    const run = (files: CorpusFile[]) => {
      writeFileSync(manifestFile, JSON.stringify({ files }));
      const script = path.join(repoRoot, 'scripts/fetch-test-corpus.ts');
      return promisify(execFile)(path.join(repoRoot, 'node_modules/.bin/tsx'), [script, '--manifest', manifestFile, '--dest', path.join(dest, 'cache')])
        .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
    };
    const failed = await run([ok, missing]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('[1/2]');
    expect(failed.stdout).toContain('1 downloaded, 0 already verified, 1 missing.');
    expect(failed.stderr).toContain(`missing corpus/docs/text/missing.txt: could not download corpus/docs/text/missing.txt: HTTP 404 Not Found`);

    const passed = await run([ok]);
    expect(passed).toMatchObject({ code: 0, stderr: '' });
    expect(passed.stdout).toContain('0 downloaded, 1 already verified, 0 missing.');
  }, 60_000);
});

const writeTemp = (dir: string, name: string, bytes: Buffer) => { writeFileSync(path.join(dir, name), bytes); return path.join(dir, name); };

/** A tiny llama2.c checkpoint (dim 8, 1 layer, 2 heads, 1 KV head, vocab 262, shared classifier) and its tokenizer.bin. */
function tinyLlama2c(): { checkpoint: Buffer; tokenizer: Buffer } {
  const [dim, hidden, layers, heads, kvHeads, vocab, seqLen] = [8, 16, 1, 2, 1, 262, 4];
  const kvDim = (dim / heads) * kvHeads;
  const floats = vocab * dim + layers * (dim + dim * dim + 2 * dim * kvDim + dim * dim + dim + 3 * hidden * dim) + dim + seqLen * (dim / heads);
  const checkpoint = Buffer.alloc(28 + floats * 4);
  [dim, hidden, layers, heads, kvHeads, vocab, seqLen].forEach((v, i) => checkpoint.writeInt32LE(v, i * 4));
  for (let i = 0; i < floats; i++) checkpoint.writeFloatLE(((i * 37) % 101) / 100 - 0.5, 28 + i * 4);
  const pieces = ['<unk>', '\n<s>\n', '\n</s>\n', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`), ' a', 'b', ' hello'];
  const parts = [Buffer.from(Int32Array.of(7).buffer)];
  pieces.forEach((piece, id) => {
    const bytes = Buffer.from(piece, 'utf8');
    const head = Buffer.alloc(8);
    head.writeFloatLE(id > 258 ? -(id - 259) : 0, 0);
    head.writeInt32LE(bytes.length, 4);
    parts.push(head, bytes);
  });
  return { checkpoint, tokenizer: Buffer.concat(parts) };
}

/** A minimal Debian package: an ar archive of debian-binary, control.tar.gz and data.tar.gz (made by GNU tar). */
async function buildDeb(member: string, bytes: Buffer): Promise<Buffer> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lockstep-corpus-deb-'));
  try {
    mkdirSync(path.join(work, 'root', path.dirname(member)), { recursive: true });
    writeFileSync(path.join(work, 'root', member), bytes);
    await promisify(execFile)('tar', ['-czf', path.join(work, 'data.tar.gz'), '-C', path.join(work, 'root'), '.']);
    const entries: [string, Buffer][] = [['debian-binary', Buffer.from('2.0\n')], ['control.tar.gz', Buffer.alloc(0)], ['data.tar.gz', readFileSync(path.join(work, 'data.tar.gz'))]];
    const parts: Buffer[] = [Buffer.from('!<arch>\n')];
    for (const [name, body] of entries) {
      const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(body.length).padEnd(10)}\`\n`;
      parts.push(Buffer.from(header, 'latin1'), body, Buffer.from(body.length % 2 ? '\n' : ''));
    }
    return Buffer.concat(parts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
