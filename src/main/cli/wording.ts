// Messages are written once for the app, which points at its Settings pages; on the command line the same
// advice names the flag, command or variable that does the job there.

const GUI_TO_CLI: [RegExp, string][] = [
  [/Enter (?:its|the) password to index it\./g, 'Run `lockstep ingest <file> --password <password>` to index it.'],
  [/download (?:a chat model|one) in Settings → Models/g, 'download one with `lockstep models pull <id>` (`lockstep models list` shows them)'],
  [/(?:add|paste) a (?:valid )?(?:Groq )?API key in Settings → Providers(?: \(or set GROQ_API_KEY\))?/gi, 'set GROQ_API_KEY to a Groq API key'],
  [/(?:enter|check) the key (?:again )?in Settings → Providers/gi, 'check the key in GROQ_API_KEY'],
  [/Pick another model in Settings → Providers\./g, 'Pick another model with `lockstep ask --model <model>`.'],
  [/raise the limit in Settings → Answers/g, 'ask again with `lockstep ask --thread <id> "Continue"`'],
  [/Settings → Models/g, '`lockstep models`'],
  [/Settings → Providers/g, 'GROQ_API_KEY'],
];

/** The message as a command-line user should read it: app-only directions replaced by CLI ones. */
export function forCli(message: string): string {
  let text = message;
  for (const [pattern, replacement] of GUI_TO_CLI) text = text.replace(pattern, (match) => (/^[A-Z]/.test(match) ? replacement[0].toUpperCase() + replacement.slice(1) : replacement));
  return text;
}
