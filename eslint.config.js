// Lint: type-aware rules that catch what bites a long-running daemon
// (floating promises, misused promises), import cycles, and the floors of the
// house: src/core is the ground floor, detectors/ and alerts/ stand on it,
// and the rest of src/ (CLI, API, ingest, scheduler, app) is the roof.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Floors: a file in `target` must not import from any of `from`. */
export const FLOOR_ZONES = [
  {
    target: './src/core',
    from: ['./src/!(core)/**', './src/*.ts', './detectors/**', './alerts/**', './bench/**', './test/**', './web/**'],
    message: 'src/core is the ground floor: it imports nothing above it.',
  },
  {
    target: './detectors',
    from: ['./src/!(core)/**', './src/*.ts', './alerts/**', './bench/**', './test/**'],
    message: 'detectors/ stands on src/core only (no CLI, API, ingest, scheduler or alerts).',
  },
  {
    target: './alerts',
    from: ['./src/!(core)/**', './src/*.ts', './detectors/**', './bench/**', './test/**'],
    message: 'alerts/ stands on src/core only (score rows come from src/core/score.ts).',
  },
  {
    target: ['./src', './detectors', './alerts'],
    from: ['./testkit/**'],
    message: 'the product never imports testkit/ (generators shared by tests and benches).',
  },
  {
    target: ['./src', './bench', './testkit'],
    from: ['./test/**'],
    message: 'product, bench and testkit code never import test code.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.kafka/**', 'dist/**', 'coverage/**', 'web/vendor/**', 'scratch/**', 'test/fixtures/lint/**', 'detectors/contrib-probe-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // Imports name the .ts file itself (allowImportingTsExtensions), so the
    // plain Node resolver finds every one; without a resolver no import
    // resolves and the cycle and zone rules pass everything.
    // import-x only follows (for no-cycle) files whose extension it is told
    // to parse, and parses .ts only with the TypeScript parser named here.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'import-x/no-unresolved': ['error', { ignore: ['^vitest/', '^node:'] }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: FLOOR_ZONES }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
);
