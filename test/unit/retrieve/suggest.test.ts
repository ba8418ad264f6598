import { describe, expect, it } from 'vitest';
import { looksEnglish } from '../../../src/main/embed/suggest';

describe('looksEnglish', () => {
  it('tells English prose from other languages', () => {
    expect(looksEnglish('The ribosome translates messenger RNA into a chain of amino acids, which is then folded.')).toBe(true);
    expect(looksEnglish('Le ribosome traduit l’ARN messager en une chaîne d’acides aminés, qui est ensuite repliée.')).toBe(false);
    expect(looksEnglish('Das Ribosom übersetzt die Boten-RNA in eine Kette von Aminosäuren.')).toBe(false);
    expect(looksEnglish('维生素D可以降低老年妇女髋部骨折的风险。')).toBe(false);
    expect(looksEnglish('Debian 新维护者手册：制作并维护该程序 Debian 软件包的人。')).toBe(false);
  });
});
