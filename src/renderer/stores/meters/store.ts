import { create } from 'zustand';
import type { AnswerMeters, AnswerServing, ChatEvent } from '../../../shared/contract/chat';

// The live dashboard's data. Updated at token rate; components read it through subscribe + refs, never
// through selectors that would re-render React on every token.

export interface TokenSamples {
  /** Token index (x axis). */
  index: number[];
  /** Emulated LPU latency per token in ms: the compiler's fixed schedule, so a flat line. */
  emulatedMs: number[];
  /** Wall-clock time this machine took for the same token in ms. */
  wallMs: number[];
  cycles: number[];
}

interface MetersState {
  provider: 'lpu' | 'groq' | 'openai' | 'extractive' | null;
  model: string | null;
  samples: TokenSamples;
  meters: AnswerMeters | null;
  /** The answer's step of the degradation chain and why, or its cache age, once it is known. */
  served: AnswerServing | null;
  /** Bumped on every change: the samples arrays are appended in place to avoid copying at token rate. */
  version: number;
}

const emptySamples = (): TokenSamples => ({ index: [], emulatedMs: [], wallMs: [], cycles: [] });

export const useMetersStore = create<MetersState>()(() => ({ provider: null, model: null, samples: emptySamples(), meters: null, served: null, version: 0 }));

/** Feeds one chat stream event into the meters. */
export function recordMeterEvent(event: ChatEvent): void {
  const state = useMetersStore.getState();
  if (event.type === 'started') {
    useMetersStore.setState({ provider: event.provider, model: event.model, samples: emptySamples(), meters: null, served: null, version: state.version + 1 });
  } else if (event.type === 'delta' && event.token) {
    const { samples } = state;
    samples.index.push(event.token.index);
    samples.emulatedMs.push(event.token.emulatedUs / 1000);
    samples.wallMs.push(event.token.wallUs / 1000);
    samples.cycles.push(event.token.cycles);
    useMetersStore.setState({ version: state.version + 1 });
  } else if (event.type === 'notice' && event.kind === 'fallback' && event.fallbackTo) {
    // Another provider answers from here: its figures replace the ones Groq or the server had started to show.
    useMetersStore.setState({ provider: event.fallbackTo, model: event.model ?? null, samples: emptySamples(), meters: null, version: state.version + 1 });
  } else if (event.type === 'meters') {
    useMetersStore.setState({ provider: event.meters.provider, meters: event.meters, version: state.version + 1 });
  } else if (event.type === 'done') {
    const { meters, served } = event.message;
    useMetersStore.setState({ ...(meters ? { provider: meters.provider, meters } : {}), served: served ?? null, version: state.version + 1 });
  }
  // A stopped answer ends with no meters of its own: the last figures stay on show.
}

/** Shows a stored answer's final meters (when reopening a thread); per-token samples are not persisted. */
export function showStoredMeters(meters: AnswerMeters | null, provider: string | null, model: string | null): void {
  const known = provider === 'lpu' || provider === 'groq' || provider === 'openai' || provider === 'extractive' ? provider : null;
  useMetersStore.setState((s) => ({ provider: known, model, samples: emptySamples(), meters, served: null, version: s.version + 1 }));
}
