// Recomputes the digests test/unit/lpu/ggml-quantize.test.ts pins: builds ggml's reference quantizers (ggml-quants.c
// of the llama.cpp that node-llama-cpp bundles as a git bundle) with the system C compiler and hashes their output on
// the test's fixed inputs. Needs git and cc. Usage: npx tsx scripts/ggml-quant-digests.ts
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantizerInputs } from '../test/fixtures/lpu/quantizer-inputs';

// reads float32 values on stdin, writes quantize_row_<type>_ref's blocks on stdout
const ORACLE = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml-quants.h"
int main(int argc, char **argv) {
  long n = atol(argv[2]); float *x = malloc(n * 4); void *y = malloc(n * 2); size_t bytes;
  if (argc < 3 || fread(x, 4, n, stdin) != (size_t)n) return 2;
  if (!strcmp(argv[1], "Q4_0")) { quantize_row_q4_0_ref(x, y, n); bytes = n / 32 * 18; }
  else if (!strcmp(argv[1], "Q4_K")) { quantize_row_q4_K_ref(x, y, n); bytes = n / 256 * 144; }
  else if (!strcmp(argv[1], "Q5_K")) { quantize_row_q5_K_ref(x, y, n); bytes = n / 256 * 176; }
  else if (!strcmp(argv[1], "Q6_K")) { quantize_row_q6_K_ref(x, y, n); bytes = n / 256 * 210; }
  else return 3;
  fwrite(y, 1, bytes, stdout); return 0;
}
`;
// ggml-quants.c links against a few ggml.c functions the reference quantizers never call
const STUBS = `#include <stdlib.h>
#include <stdint.h>
void ggml_abort(const char *f, int l, const char *fmt, ...) { abort(); }
size_t ggml_row_size(int t, int64_t n) { abort(); }
size_t ggml_type_size(int t) { abort(); }
const char *ggml_type_name(int t) { abort(); }
int64_t ggml_blck_size(int t) { abort(); }
void ggml_log_internal(int l, const char *fmt, ...) {}
`;

const bundle = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ggml-quant-digests-'));
try {
  execFileSync('git', ['clone', '--quiet', '--depth', '1', bundle, path.join(dir, 'llama.cpp')], { stdio: 'inherit' });
  const ggml = path.join(dir, 'llama.cpp', 'ggml');
  writeFileSync(path.join(dir, 'oracle.c'), ORACLE);
  writeFileSync(path.join(dir, 'stubs.c'), STUBS);
  const oracle = path.join(dir, 'oracle');
  execFileSync('cc', ['-O2', `-I${ggml}/include`, `-I${ggml}/src`, path.join(dir, 'oracle.c'), path.join(dir, 'stubs.c'), `${ggml}/src/ggml-quants.c`, '-o', oracle, '-lm'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const digests: Record<string, string[]> = {};
  for (const type of ['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K']) {
    digests[type] = quantizerInputs().map(([, x]) => {
      const bytes = execFileSync(oracle, [type, String(x.length)], { input: Buffer.from(x.buffer, x.byteOffset, x.byteLength) });
      return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    });
  }
  console.log(JSON.stringify(digests, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
