import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layering rule: folders are named after where code runs, and imports may only go with the grain.
const electron = { group: ['electron', 'electron/*'], message: 'Only src/main/app and src/preload may import electron.' };
const nodeBuiltins = { group: ['node:*'], message: 'src/shared runs anywhere: no Node built-ins.' };
const mainFromRenderer = { group: ['**/main/**', '../main/*', '../../main/*'], message: 'The renderer talks to main only through the typed client.' };
const oursFromShared = { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing of ours outside src/shared.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', '.cache/**', 'src/main/lpu/kernels/wasm/assembly/**', 'src/main/lpu/kernels/wasm/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { patterns: [electron, nodeBuiltins, oursFromShared] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/app/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electron, { group: ['**/renderer/**'], message: 'Main never imports the renderer.' }] }] },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { patterns: [electron, nodeBuiltins, mainFromRenderer] }] },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{ts,mjs}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electron] }] },
  },
);
