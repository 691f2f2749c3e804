// Lint rules for every workspace: typescript-eslint's recommended set, Svelte's, and the
// globals each runtime really has.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  {
    ignores: [
      'dist/',
      'dist-*/',
      'node_modules/',
      'e2e/artifacts/',
      'e2e/.bench/',
      'test-results/',
      'test-results-*/',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  { files: ['web/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['web/src/sw.ts'], languageOptions: { globals: { ...globals.serviceworker } } },
  {
    files: [
      'offload-server/**',
      'e2e/**',
      'scripts/**',
      'models/**',
      'docker/**',
      '*.config.*',
      '*.ts',
      '*.js',
      '*.mjs',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
);
