import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { CommandModule } from '../context';
import { defaultLpuCacheDir, loadLpuModel } from '../../lpu';
import type { KernelSetName } from '../../lpu/kernels/registry';
import { openModel } from '../../lpu/loader';
import { compile } from '../../lpu/compiler/pipeline';
import { dumpMemoryPlan } from '../../lpu/compiler/passes/plan-memory';
import { WEIGHT_FORMATS, storedTypesOf, type WeightFormat } from '../../lpu/compiler/passes/quantize';
import { predict } from '../../lpu/timing/predict';
import { chromeTrace, compilePreset, programTimeline } from '../../lpu/timing/timeline';
import { measureQuantizationCost } from '../../lpu/runtime/accuracy';
import { TIMING_PRESETS } from '../../lpu/timing/presets';
import { registerParityCommand } from './lpu-parity';

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new AppError('invalid_option', `--${name} must be a positive whole number, not "${value}".`);
  return n;
};
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new AppError('invalid_option', `--${name} must be a positive number, not "${value}".`);
  return n;
};
const weightFormat = (value: string): WeightFormat => {
  if (!WEIGHT_FORMATS.includes(value as WeightFormat)) throw new AppError('invalid_option', `--weights must be one of ${WEIGHT_FORMATS.join(', ')}, not "${value}".`);
  return value as WeightFormat;
};

/** `lockstep lpu compile|run|parity|predict`: the LPU emulator from the command line. */
export const lpuCommand: CommandModule = (program, cli) => {
  const lpu = program.command('lpu').description('compile, run and time models on the LPU emulator');

  lpu.command('compile <model>')
    .description('compile a model and print its memory plan and cycle totals')
    .option('--chips <n>', 'emulated chips (default: the fewest that fit)', positiveInt('chips'))
    .option('--bucket <tokens>', 'context bucket: 512, 1024, 2048, 4096 or 8192', positiveInt('bucket'))
    .option('--weights <format>', "weight format: native (the file's own: Q4_K stays Q4_K), or int8, f16, f32 to convert", weightFormat, 'native')
    .option('--dump-ir', 'print the IR after every pass')
    .option('--measure-accuracy', 'load the weights and measure the quantisation cost against f32 on a sample text')
    .action(async (modelPath: string, o: { chips?: number; bucket?: number; weights: WeightFormat; dumpIr?: boolean; measureAccuracy?: boolean }) => {
      const source = openModel(modelPath);
      const { program: p, dumps } = compile(source.config, { chips: o.chips, bucket: o.bucket, weights: o.weights, storedTypes: storedTypesOf(source.weights) }, source.hash);
      const accuracy = o.measureAccuracy ? await measureQuantizationCost(modelPath, o.weights, p.bucket) : undefined;
      const summary = {
        ...(accuracy ? { accuracy } : {}),
        model: source.config.name, architecture: source.config.architecture, chips: p.partitioning.chips, tp: p.partitioning.tp,
        stages: p.partitioning.stages, bucket: p.bucket, weights: p.weights, ops: p.ops.length, sram_bytes_per_chip: p.memory.bytesPerChip,
        cycles: p.cycles, utilisation: p.utilisation.decode, barriers: p.stats.barriers, ...(o.dumpIr ? { ir: dumps } : {}),
        ...(source.notice ? { notice: source.notice } : {}),
      };
      cli.print(summary, () => [
        ...(o.dumpIr ? Object.entries(dumps).map(([pass, text]) => `== after ${pass} ==\n${text}`) : []),
        `${source.config.name} (${source.config.architecture}): ${p.partitioning.chips} chip(s), tp ${p.partitioning.tp} × ${p.partitioning.stages} stage(s), bucket ${p.bucket}, ${p.weights} weights, ${p.ops.length} ops`,
        ...(source.notice ? [source.notice] : []),
        `worker barriers: ${p.stats.barriers.decodeStep} per decode step (${p.stats.barriers.decodePerLayer} per layer), ${p.stats.barriers.prefillChunk} per prefill chunk`,
        'memory plan:',
        dumpMemoryPlan(p.memory, 12).trimEnd(),
        `cycles: ${p.cycles.perDecodeToken} per decode token (${(900e6 / p.cycles.perDecodeToken).toFixed(1)} tok/s at 900 MHz), ` +
          `${p.cycles.perPrefillToken} per prefill token, ${p.cycles.perPrefillChunk} per ${p.rows}-row prefill chunk`,
        ...(accuracy ? [`accuracy cost of ${accuracy.weights} vs f32 over ${accuracy.positions} positions: weight rel. RMS error ${accuracy.weightRelativeRmsError.toExponential(2)}, ` +
          `logit rel. error ${accuracy.logitRelativeError.toExponential(2)}, top-1 agreement ${(accuracy.top1Agreement * 100).toFixed(1)}%`] : []),
      ].join('\n'));
    });

  lpu.command('run <model>')
    .description('generate text on the emulator with per-token meters')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--chat', 'wrap the prompt in the model\'s chat template as a user message')
    .option('--greedy', 'always pick the most likely token')
    .option('--max-tokens <n>', 'tokens to generate', positiveInt('max-tokens'), 128)
    .option('--temperature <t>', 'sampling temperature', Number)
    .option('--top-k <k>', 'sample among the k most likely tokens', positiveInt('top-k'))
    .option('--top-p <p>', 'nucleus sampling mass', Number)
    .option('--repetition-penalty <r>', 'penalty for repeated tokens', Number)
    .option('--seed <n>', 'random seed', Number)
    .option('--stop <text...>', 'stop sequences')
    .option('--chips <n>', 'emulated chips', positiveInt('chips'))
    .option('--bucket <tokens>', 'context bucket', positiveInt('bucket'))
    .option('--weights <format>', "weight format: native (the file's own: Q4_K stays Q4_K), or int8, f16, f32 to convert", weightFormat, 'native')
    .option('--kernels <name>', 'kernel set: native, wasm or ts (default: native where the addon loads, else wasm)')
    .option('--threads <n>', 'worker threads (0 = none)', Number)
    .action(async (modelPath: string, o: RunOptions) => {
      const model = await loadLpuModel(modelPath, {
        chips: o.chips, bucket: o.bucket, weights: o.weights, kernels: o.kernels, threads: o.threads, cacheDir: defaultLpuCacheDir(cli.dataDir()),
      });
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const json = cli.json();
        // before the text, on stderr, so stdout stays the generated text
        if (!json && model.info.notice) process.stderr.write(`${model.info.notice}\n`);
        const result = await model.generate({
          ...(o.chat ? { messages: [{ role: 'user' as const, content: o.prompt }] } : { prompt: o.prompt }),
          maxTokens: o.maxTokens,
          sampling: { greedy: o.greedy, temperature: o.temperature, topK: o.topK, topP: o.topP, repetitionPenalty: o.repetitionPenalty, seed: o.seed },
          stop: o.stop,
          signal: controller.signal,
        }, (ev) => {
          if (json) return;
          process.stdout.write(ev.text);
          if (process.stderr.isTTY) process.stderr.write(`\x1b7\x1b[999;1H\x1b[2Ktoken ${ev.index + 1}: ${ev.cycles} cycles · ${ev.emulatedUs.toFixed(1)} µs emulated · ${(ev.wallUs / 1000).toFixed(2)} ms wall\x1b8`);
        });
        const summary = {
          text: result.text, tokens: result.tokens, prompt_tokens: result.promptTokens, stop_reason: result.stopReason,
          cycles: result.cycles, wall_ms: result.wallMs, emulated_ms: result.emulatedMs, utilisation: result.utilisation,
          chips: result.chips, weights: model.info.weights, ...(model.info.notice && { notice: model.info.notice }),
        };
        if (json) cli.print(summary, () => '');
        else process.stderr.write(
          `\n[${result.tokens.length} tokens, ${result.stopReason}] prompt ${result.promptTokens} tokens · cycles: prefill ${result.cycles.prefill}, ` +
          `decode ${result.cycles.decode} (${result.cycles.perDecodeToken}/token) · emulated TTFT ${result.emulatedMs.ttft.toFixed(3)} ms, ` +
          `total ${result.emulatedMs.total.toFixed(3)} ms · wall TTFT ${result.wallMs.ttft.toFixed(1)} ms, total ${result.wallMs.total.toFixed(1)} ms\n`,
        );
      } finally {
        process.off('SIGINT', onSigint);
        await model.dispose();
      }
    });

  registerParityCommand(lpu, cli);

  lpu.command('schedule [model]')
    .description('export the compiled decode step of a model file or a preset as Chrome trace-event JSON (Perfetto, chrome://tracing)')
    .option('--preset <name>', `a published shape instead of a file: ${Object.keys(TIMING_PRESETS).join(', ')}`)
    .option('--chips <n>', 'emulated chips (default: the fewest that fit)', positiveInt('chips'))
    .requiredOption('--trace <file>', 'where to write the trace JSON')
    .action((modelPath: string | undefined, o: { preset?: string; chips?: number; trace: string }) => {
      if (!modelPath === !o.preset) throw new AppError('invalid_option', 'Give either a model file or --preset NAME, not both.');
      let program;
      if (o.preset) program = compilePreset(o.preset, o.chips);
      else {
        const source = openModel(modelPath!);
        program = compile(source.config, { chips: o.chips, weights: 'native', storedTypes: storedTypesOf(source.weights) }, source.hash).program;
      }
      const timeline = programTimeline(program);
      const trace = chromeTrace(timeline);
      writeFileSync(o.trace, JSON.stringify(trace));
      const summary = {
        model: timeline.model, chips: timeline.chips, tp: timeline.tp, stages: timeline.stages, instructions: timeline.start.length,
        total_cycles: timeline.totalCycles, critical_path: timeline.critical.reduce((a, b) => a + b, 0), trace: path.resolve(o.trace),
      };
      cli.print(summary, () => `${summary.model}: ${summary.instructions} instructions on ${summary.chips} chip(s) × ${timeline.units.length} units, ` +
        `${summary.total_cycles} cycles per decode step (${summary.critical_path} on the critical path); trace written to ${summary.trace}`);
    });

  lpu.command('predict')
    .description('predict TTFT and decode speed of a published model shape deployed like Groq\'s systems (no weights needed)')
    .requiredOption('--preset <name>', `one of ${Object.keys(TIMING_PRESETS).join(', ')}`)
    .option('--chips <n>', 'chips of the deployment (default: the fewest that hold weights and KV cache)', positiveInt('chips'))
    .option('--prompt-tokens <n>', 'prompt length for TTFT', positiveInt('prompt-tokens'), 550)
    .option('--c2c-gbps <GB/s>', 'what if: bandwidth of one chip-to-chip link (published: 15)', positiveNumber('c2c-gbps'))
    .option('--sram-mib <MiB>', 'what if: SRAM per chip (published: 220)', positiveNumber('sram-mib'))
    .action((o: { preset: string; chips?: number; promptTokens: number; c2cGbps?: number; sramMib?: number }) => {
      const r = predict(o.preset, { chips: o.chips, promptTokens: o.promptTokens, c2cGBps: o.c2cGbps, sramMiB: o.sramMib });
      cli.print(r, () =>
        `${o.preset} on ${r.chips} chips (fewest that fit: ${r.chipsNeeded}; tp ${r.tp} × ${r.stages} stages): ` +
        `TTFT ${r.ttft_ms.toFixed(1)} ms for ${r.promptTokens} prompt tokens, decode ${r.decode_tok_s.toFixed(1)} tok/s, ` +
        `dominated by ${r.dominantTerm}` + (r.published ? ` (published: ${r.published.decode_tok_s} tok/s, ${r.published.source})` : ''));
    });
};

interface RunOptions {
  prompt: string; chat?: boolean; greedy?: boolean; maxTokens: number; temperature?: number; topK?: number; topP?: number;
  repetitionPenalty?: number; seed?: number; stop?: string[]; chips?: number; bucket?: number; weights: WeightFormat; kernels?: KernelSetName; threads?: number;
}
