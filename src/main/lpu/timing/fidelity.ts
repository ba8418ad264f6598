import { AppError } from '../../../shared/errors';
import { predictDeployment, PUBLISHED_HARDWARE, type Breakdown } from './deployment';
import { CALIBRATION_PRESET, PUBLISHED_POINTS, TIMING_PRESETS, type PublishedPoint } from './presets';

export interface FidelityPoint {
  model: string;
  preset: string;
  chips: number;
  metric: PublishedPoint['metric'];
  published: number;
  predicted: number;
  /** Signed fraction: predicted / published − 1. */
  error: number;
  heldOut: boolean;
  source: string;
  url: string;
  /** The largest term of the predicted decode time, and its share. */
  dominantTerm: keyof Breakdown;
  dominantShare: number;
}

export interface FidelityReport {
  knob: { name: 'c2c_exchange_us'; value: number; calibratedOn: string; published: number };
  target: number;
  points: FidelityPoint[];
}

function decodeTokS(point: PublishedPoint, exchangeUs: number): number {
  return predictDeployment(preset(point.preset), { chips: point.chips, hardware: { exchangeSeconds: exchangeUs * 1e-6 } }).decode_tok_s;
}

function preset(name: string) {
  const p = TIMING_PRESETS[name];
  if (!p) throw new AppError('invalid_option', `Unknown preset "${name}"; choose one of ${Object.keys(TIMING_PRESETS).join(', ')}.`);
  return p;
}

/** The α (µs) at which the calibration point's predicted decode speed equals its published one (bisection: speed falls as α grows). */
export function calibrateExchangeUs(point: PublishedPoint): number {
  let lo = 0, hi = 100;
  if (decodeTokS(point, lo) < point.value) {
    throw new AppError('calibration_failed', `${point.preset} cannot reach ${point.value} tok/s even with free C2C exchanges.`);
  }
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (decodeTokS(point, mid) > point.value) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The validation table: α fitted on the calibration point only, then every published point predicted with it.
 * `exchangeUs` overrides the fit (the constant the emulator ships with, to check it matches).
 */
export function fidelityReport(exchangeUs?: number): FidelityReport {
  const calibration = PUBLISHED_POINTS.find((p) => p.preset === CALIBRATION_PRESET)!;
  const alpha = exchangeUs ?? calibrateExchangeUs(calibration);
  const points = PUBLISHED_POINTS.map((pt): FidelityPoint => {
    const r = predictDeployment(preset(pt.preset), { chips: pt.chips, hardware: { ...PUBLISHED_HARDWARE, exchangeSeconds: alpha * 1e-6 } });
    return {
      model: preset(pt.preset).name, preset: pt.preset, chips: r.chips, metric: pt.metric, published: pt.value, predicted: r.decode_tok_s,
      error: r.decode_tok_s / pt.value - 1, heldOut: pt !== calibration, source: pt.source, url: pt.url,
      dominantTerm: r.dominantTerm, dominantShare: r.breakdown[r.dominantTerm] / r.cyclesPerDecodeToken,
    };
  });
  return { knob: { name: 'c2c_exchange_us', value: alpha, calibratedOn: calibration.preset, published: calibration.value }, target: 0.15, points };
}
