import type { Command } from 'commander';
import { AppError } from '../../../shared/errors';
import type { CliContext } from '../context';
import type { ParityReport } from '../../lpu/parity';
import type { KernelSetName } from '../../lpu/kernels/registry';

/**
 * `lockstep lpu parity <file.gguf>` / `--random <arch>:<format>`: evaluates one GGUF on the emulator and on llama.cpp
 * (node-llama-cpp) over the same prompt and prints how far their logits agree.
 */
export function registerParityCommand(lpu: Command, cli: CliContext): void {
  lpu.command('parity [model]')
    .description("compare the emulator's logits with llama.cpp's on a GGUF file (or a random model of an architecture)")
    .option('--random <arch:format>', 'write a random-weight model of that architecture and format (e.g. gemma3:Q8_0) and check it')
    .option('--tokens <n>', 'prompt positions to compare (default 64)', Number)
    .option('--kernels <name>', 'emulator kernel set: native, wasm or ts')
    .option('--exact', 'also measure both against the exact computation (the weights in f32, activations unrounded)')
    .action(async (modelPath: string | undefined, o: { random?: string; tokens?: number; kernels?: KernelSetName; exact?: boolean }) => {
      const { runParity, runRandomParity } = await import('../../lpu/parity');
      if (!modelPath === !o.random) throw new AppError('invalid_option', 'Give either a GGUF file or --random <arch>:<format>, not both and not neither.');
      let report: ParityReport;
      if (o.random) {
        const [arch, format] = o.random.split(':');
        if (!arch || !format) throw new AppError('invalid_option', `--random takes <arch>:<format>, such as qwen3:Q8_0, not "${o.random}".`);
        report = await runRandomParity(arch, format, { tokens: o.tokens, kernels: o.kernels, exact: o.exact });
      } else {
        report = await runParity(modelPath!, { tokens: o.tokens, kernels: o.kernels, exact: o.exact });
      }
      const exact = report.exact;
      cli.print(report, () =>
        `${report.arch} ${report.format}: top-1 agreement ${(report.top1Agreement * 100).toFixed(1)}% over ${report.positions} positions, ` +
        `max |Δlogit| ${report.maxAbsLogitError.toFixed(4)}, RMS ${report.rmsLogitError.toFixed(4)} (logits up to ${report.maxAbsLogit.toFixed(1)}); ` +
        `${report.clearDisagreements} disagreement(s) where llama.cpp leads by more than the max error; ` +
        `tokenizer ${report.tokenizerMatch ? 'matches' : 'DIFFERS from'} llama.cpp's ids; against ${report.llamaCpp}` +
        (exact ? `\nagainst the exact computation: RMS ${exact.rmsLogitError.toFixed(4)} (llama.cpp ${exact.llamaCpp.rmsLogitError.toFixed(4)}), max ${exact.maxAbsLogitError.toFixed(4)} (llama.cpp ${exact.llamaCpp.maxAbsLogitError.toFixed(4)})` : ''));
    });
}
