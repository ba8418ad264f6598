// Per-chip utilisation from the static schedule: summed over chips it is the schedule's own utilisation.
import { describe, expect, it } from 'vitest';
import { UNITS } from '../../../src/main/lpu/compiler/cost-model';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { unitUtilisationPerChip } from '../../../src/main/lpu/timing/chip-utilisation';
import type { ModelConfig } from '../../../src/main/lpu/loader/model-source';

const config: ModelConfig = {
  architecture: 'llama', name: 't', dim: 64, hiddenDim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, headDim: 16, vocabSize: 100,
  contextLength: 4096, ropeTheta: 10000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: false,
};

describe('unitUtilisationPerChip', () => {
  it('splits a hand-made schedule by chip and unit', () => {
    const perChip = unitUtilisationPerChip(
      [
        { op: 0, unit: 'MXM', chip: 0, start: 0, cycles: 50 },
        { op: 1, unit: 'MXM', chip: 0, start: 50, cycles: 25 },
        { op: 2, unit: 'C2C', chip: 1, start: 0, cycles: 10 },
      ],
      100,
      2,
    );
    expect(perChip[0]).toEqual({ MXM: 0.75, VXM: 0, SXM: 0, MEM: 0, C2C: 0 });
    expect(perChip[1]).toEqual({ MXM: 0, VXM: 0, SXM: 0, MEM: 0, C2C: 0.1 });
  });

  it('averages over the chips of a compiled 4-chip program to the decode utilisation the compiler reports', () => {
    const { program } = compile(config, { chips: 4 });
    const perChip = unitUtilisationPerChip(program.decodeSchedule, program.cycles.perDecodeToken, program.partitioning.chips);
    expect(perChip).toHaveLength(4);
    for (const unit of UNITS) {
      const mean = perChip.reduce((sum, chip) => sum + chip[unit], 0) / perChip.length;
      expect(mean, unit).toBeCloseTo(program.utilisation.decode[unit], 12);
      for (const chip of perChip) expect(chip[unit]).toBeLessThanOrEqual(1);
    }
    // Tensor-parallel chips all multiply: no chip idles its MXM.
    expect(perChip.every((chip) => chip.MXM > 0)).toBe(true);
  });
});
