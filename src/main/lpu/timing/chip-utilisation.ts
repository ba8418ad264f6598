import { UNITS, type Unit } from '../compiler/cost-model';
import type { Instruction } from '../compiler/passes/schedule';

/**
 * Busy cycles / step cycles of each functional unit on each chip, from a static instruction stream (chip index →
 * unit → fraction). The mean over chips equals the schedule's own `utilisation`, which sums over chips.
 */
export function unitUtilisationPerChip(instructions: readonly Instruction[], totalCycles: number, chips: number): Record<Unit, number>[] {
  const busy = Array.from({ length: chips }, () => Object.fromEntries(UNITS.map((u) => [u, 0])) as Record<Unit, number>);
  for (const ins of instructions) busy[ins.chip]![ins.unit] += ins.cycles;
  if (totalCycles <= 0) return busy;
  return busy.map((units) => Object.fromEntries(UNITS.map((u) => [u, units[u] / totalCycles])) as Record<Unit, number>);
}
