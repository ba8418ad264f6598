import { AppError } from '../../../shared/errors';
import { normaliseBaseURL, OPENAI_SERVER_PRESETS } from '../../../shared/openai-servers';
import { OpenAiServers } from '../../providers/openai-servers';
import type { CommandModule } from '../context';

// lockstep servers list | models <url|preset|id> | add <url|preset> --model M | use <id> | test <id> | rm <id>
// The OpenAI-compatible servers of Settings → Providers, for browser mode and headless use. A key is read from the
// environment variable --key-env names, so it never sits in the shell's history.

const presetIds = OPENAI_SERVER_PRESETS.map((p) => p.id);

/** A preset id or an address, as the base URL Lockstep stores. */
function addressOf(text: string): { baseURL: string; name: string } {
  const preset = OPENAI_SERVER_PRESETS.find((p) => p.id === text);
  if (preset) return { baseURL: preset.baseURL, name: preset.name };
  const baseURL = normaliseBaseURL(text);
  if (!baseURL) throw new AppError('invalid_argument', `"${text}" is neither ${presetIds.join(', ')} nor an address like http://127.0.0.1:11434/v1.`);
  return { baseURL, name: new URL(baseURL).host };
}

function keyFrom(variable: string | undefined): string | undefined {
  if (!variable) return undefined;
  const key = process.env[variable];
  if (!key) throw new AppError('invalid_argument', `The environment variable ${variable} is empty. Set it to the server's API key, or leave out --key-env.`);
  return key;
}

export const serversCommand: CommandModule = (program, cli) => {
  const servers = program.command('servers').description('OpenAI-compatible servers (Ollama, LM Studio, llama.cpp, vLLM) that answer with --provider openai');
  const registry = () => new OpenAiServers({ settings: cli.services().settings, secrets: cli.services().chat.secrets });

  servers
    .command('list')
    .description('the added servers; the active one answers with --provider openai')
    .action(() => {
      const { servers: listed, activeId } = registry().list();
      cli.print({ servers: listed, activeId }, () =>
        listed.length
          ? listed.map((s) => `${s.id === activeId ? '*' : ' '} ${s.id}\t${s.name}\t${s.baseURL}\t${s.model}${s.hasKey ? '\t(key saved)' : ''}`).join('\n')
          : `No servers. Add one with: lockstep servers add ${presetIds[0]} --model MODEL`,
      );
    });

  servers
    .command('models <server>')
    .description(`the models a server lists: an added server's id, ${presetIds.join(', ')} or an address`)
    .option('--key-env <variable>', "the environment variable holding the server's API key")
    .action(async (server: string, options: { keyEnv?: string }) => {
      const known = registry().list().servers.find((s) => s.id === server);
      const models = await registry().models(known ? { serverId: known.id } : { baseURL: addressOf(server).baseURL, apiKey: keyFrom(options.keyEnv) });
      cli.print({ models }, () => models.map((m) => `${m.id}${m.contextWindow ? `\t${m.contextWindow} tokens` : ''}`).join('\n') || 'The server lists no models.');
    });

  servers
    .command('add <server>')
    .description(`add a server (${presetIds.join(', ')} or an address) and make it the active one`)
    .requiredOption('--model <model>', 'the model to answer with, as the server lists it (lockstep servers models <server>)')
    .option('--name <name>', 'a name for it (default: the preset or host)')
    .option('--key-env <variable>', "the environment variable holding the server's API key (saved encrypted)")
    .option('--use', 'also answer with it from now on (provider openai)')
    .action(async (server: string, options: { model: string; name?: string; keyEnv?: string; use?: boolean }) => {
      const address = addressOf(server);
      const added = await registry().add({ name: options.name ?? address.name, baseURL: address.baseURL, apiKey: keyFrom(options.keyEnv), model: options.model });
      if (options.use) cli.services().settings.update({ provider: 'openai' });
      cli.print({ server: added }, () => `Added ${added.name} (${added.id}) at ${added.baseURL} with ${added.model}. Ask with: lockstep ask --provider openai "…"`);
    });

  servers
    .command('use <id>')
    .description('answer with this server when the provider is openai')
    .action(async (id: string) => {
      const server = await registry().update({ id, active: true });
      cli.print({ server }, () => `${server.name} answers with --provider openai.`);
    });

  servers
    .command('test <id>')
    .description("the health check: lists the server's models with its saved key")
    .action(async (id: string) => {
      const result = await registry().test(id);
      cli.print(result, () => result.message);
      if (!result.ok) process.exitCode = 1;
    });

  servers
    .command('rm <id>')
    .description('forget a server and its key')
    .action((id: string) => {
      if (!registry().remove(id)) throw new AppError('not_found', `There is no server "${id}". See them with: lockstep servers list`);
      cli.print({ removed: id }, () => `Removed ${id}.`);
    });
};
