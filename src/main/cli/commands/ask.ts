import { Option } from 'commander';
import type { AnswerMeters, ChatEvent, MessageRecord } from '../../../shared/contract/chat';
import { AppError } from '../../../shared/errors';
import { ask } from '../../chat/answer';
import { pageText } from '../../chat/prompt';
import type { Services } from '../../services';
import type { CommandModule } from '../context';
import { forCli } from '../wording';

interface AskOptions {
  provider?: 'lpu' | 'groq' | 'openai';
  model?: string;
  workspace?: string;
  mode?: 'documents' | 'chat';
  thread?: number;
}

function workspaceId(services: Services, nameOrId: string | undefined): number | undefined {
  if (nameOrId === undefined) return undefined;
  const row = services.db.prepare('SELECT id FROM workspaces WHERE id = ? OR name = ? COLLATE NOCASE').get(Number(nameOrId) || -1, nameOrId) as { id: number } | undefined;
  if (!row) throw new AppError('not_found', `There is no workspace "${nameOrId}". List them with \`lockstep info\` or create it in the app.`);
  return row.id;
}

export function metersLine(meters: AnswerMeters | null): string {
  if (!meters) return '';
  if (meters.provider === 'lpu') {
    return (
      `LPU emulator: ${meters.completionTokens} tokens · TTFT ${meters.emulatedMs.ttft.toFixed(3)} ms emulated (${meters.wallMs.ttft.toFixed(0)} ms wall) · ` +
      `${Math.round(meters.emulatedTokensPerSecond)} tok/s emulated (${meters.wallTokensPerSecond.toFixed(1)} wall) · ${meters.cycles.total} cycles on ${meters.chips} chip(s)`
    );
  }
  if (meters.provider === 'groq') {
    const fmt = (v: number | null | undefined, unit: string, digits = 0) => (v === null || v === undefined ? '–' : `${v.toFixed(digits)}${unit}`);
    const thinking = meters.firstReasoningMs != null ? ` · thinking from ${fmt(meters.firstReasoningMs, ' ms')} (${fmt(meters.reasoningTokens, ' tokens')})` : '';
    const cached = meters.cachedPromptTokens ? ` · ${meters.cachedPromptTokens} cached prompt tokens` : '';
    return (
      `Groq: TTFT ${fmt(meters.ttftMs, ' ms')}${thinking} · ${fmt(meters.tokensPerSecond, ' tok/s')} · queue ${fmt(meters.queueTime, ' s', 3)} · ` +
      `prompt ${fmt(meters.promptTime, ' s', 3)} · completion ${fmt(meters.completionTime, ' s', 3)}${cached}${meters.serviceTier ? ` · ${meters.serviceTier} tier` : ''}`
    );
  }
  if (meters.provider === 'openai') {
    const fmt = (v: number | null, unit: string, digits = 0) => (v === null ? '–' : `${v.toFixed(digits)}${unit}`);
    const thinking = meters.firstReasoningMs !== null ? ` · thinking from ${fmt(meters.firstReasoningMs, ' ms')} (${fmt(meters.reasoningTokens, ' tokens')})` : '';
    const timings = meters.serverTimings;
    const server = timings ? ` · server: prompt ${fmt(timings.promptMs, ' ms')}, generation ${fmt(timings.predictedPerSecond, ' tok/s', 1)}` : '';
    return `${meters.server}: TTFT ${fmt(meters.ttftMs, ' ms')}${thinking} · ${fmt(meters.tokensPerSecond, ' tok/s', 1)} · ${fmt(meters.promptTokens, ' prompt tokens')} · ${fmt(meters.completionTokens, ' completion tokens')}${server}`;
  }
  return `Extractive answer in ${meters.wallMs.toFixed(0)} ms`;
}

const snippet = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
};

export const askCommand: CommandModule = (program, cli) => {
  program
    .command('ask')
    .description('ask a question about your documents; streams a cited answer')
    .argument('<question>', 'the question')
    .addOption(new Option('--provider <provider>', 'answer with the local LPU emulator, Groq cloud or the OpenAI-compatible server added in Settings').choices(['lpu', 'groq', 'openai']))
    .option('--model <model>', 'the Groq model, or the local chat model (installed id or a .gguf path)')
    .option('--workspace <workspace>', 'workspace name or id (default: the Default workspace)')
    .addOption(new Option('--mode <mode>', '"documents" answers only from your documents, "chat" answers freely').choices(['documents', 'chat']))
    .option('--thread <id>', 'continue a conversation (follow-ups are rewritten against it)', (v) => Number.parseInt(v, 10))
    .action(async (question: string, options: AskOptions) => {
      const services = cli.services();
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      const notices: string[] = [];
      let thinkingShown = false;
      let record: MessageRecord;
      try {
        record = await ask(
          services.chat,
          {
            question,
            threadId: options.thread,
            workspaceId: workspaceId(services, options.workspace),
            mode: options.mode,
            provider: options.provider,
            model: options.model,
          },
          (event: ChatEvent) => {
            if (event.type === 'delta' && !cli.json()) process.stdout.write(event.text);
            // The thinking is kept out of the answer on stdout; --json carries it whole.
            if (event.type === 'reasoning' && !thinkingShown) {
              thinkingShown = true;
              cli.progress('Thinking…');
            }
            if (event.type === 'notice') {
              if (event.kind === 'rate_limited' && (event.secondsLeft ?? 0) > 1) return;
              notices.push(forCli(event.message));
              cli.progress(`[${event.kind}] ${forCli(event.message)}`);
              if (event.resetText && !cli.json()) process.stdout.write('\n--- (restarting the answer) ---\n');
            }
            if (event.type === 'started') cli.progress(`Answering with ${event.provider === 'extractive' ? 'extractive sentences' : `${event.provider} · ${event.model}`}`);
          },
          abort.signal,
        );
      } finally {
        process.off('SIGINT', stop);
      }
      const sources = record.sources.map((s) => ({
        ordinal: s.ordinal,
        document: s.documentTitle,
        path: s.documentPath,
        page: s.pageStart,
        pageEnd: s.pageEnd,
        label: s.label,
        passage: s.passage,
        cited: s.cited,
      }));
      cli.print(
        {
          answer: record.content,
          status: record.status,
          uncited: record.uncited,
          provider: record.provider,
          model: record.model,
          reasoning: record.reasoning ?? null,
          threadId: record.threadId,
          messageId: record.id,
          sources,
          meters: record.meters,
          notices,
        },
        () =>
          [
            '',
            record.uncited ? '\n(This answer cites none of its sources.)' : '',
            record.sources.length ? '\nSources:' : '',
            ...record.sources.map((s) => `  [${s.ordinal}]${s.cited ? '*' : ' '} ${s.documentTitle}, ${pageText(s)} — ${snippet(s.passage)}`),
            '',
            metersLine(record.meters),
            `thread ${record.threadId} · continue with --thread ${record.threadId}`,
          ]
            .filter((line, i) => line !== '' || i === 0)
            .join('\n'),
      );
    });
};
