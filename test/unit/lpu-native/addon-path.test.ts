// Where the native kernel loader looks for the addon: beside its module (node-gyp's Release folder, then the bundled
// chunk's build folder), and inside a packaged app first in app.asar.unpacked, since dlopen cannot read an archive.
import { describe, expect, it } from 'vitest';
import { addonCandidates } from '../../../src/main/lpu/kernels/native';

describe('native addon candidates', () => {
  it('looks beside the module, Release build first', () => {
    expect(addonCandidates('file:///work/app/src/main/lpu/kernels/native/index.ts')).toEqual([
      '/work/app/src/main/lpu/kernels/native/build/Release/lockstep_kernels.node',
      '/work/app/src/main/lpu/kernels/native/build/lockstep_kernels.node',
    ]);
  });

  it('tries the unpacked copy of a packaged app before the archive path', () => {
    expect(addonCandidates('file:///opt/Lockstep/resources/app.asar/out/main/chunks/lpu-abc.js')).toEqual([
      '/opt/Lockstep/resources/app.asar.unpacked/out/main/chunks/build/Release/lockstep_kernels.node',
      '/opt/Lockstep/resources/app.asar/out/main/chunks/build/Release/lockstep_kernels.node',
      '/opt/Lockstep/resources/app.asar.unpacked/out/main/chunks/build/lockstep_kernels.node',
      '/opt/Lockstep/resources/app.asar/out/main/chunks/build/lockstep_kernels.node',
    ]);
  });

  it('leaves a folder merely named like an archive alone', () => {
    expect(addonCandidates('file:///home/u/app.asar.backup/index.js')[0]).toBe('/home/u/app.asar.backup/build/Release/lockstep_kernels.node');
  });
});
