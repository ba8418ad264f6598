// Main-process log: stderr, one line per entry; never given secrets (API keys are redacted at the source).
const redact = (text: string) => text.replace(/gsk_[A-Za-z0-9]{8,}/g, 'gsk_[redacted]');

function write(level: string, message: string, detail?: unknown) {
  if (process.env.LOCKSTEP_LOG === 'silent') return;
  const cause = detail instanceof Error ? ` — ${detail.stack ?? detail.message}` : detail === undefined ? '' : ` — ${String(detail)}`;
  process.stderr.write(redact(`[lockstep ${level}] ${message}${cause}`) + '\n');
}

export const log = {
  info: (message: string, detail?: unknown) => write('info', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  error: (message: string, detail?: unknown) => write('error', message, detail),
};
