// Lint rules that keep the layers apart (see ../shared/conventions.md):
// renderer/ and shared/ never reach Node or Electron; main/ never reaches
// React or the DOM; main/core/ and main/engine/ never import electron, so the
// same core runs inside Electron, behind the HTTP server and under the CLI.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const noNodeOrElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'electron', message: 'renderer/ and shared/ must not import electron: talk to the api client.' },
        { name: 'better-sqlite3', message: 'The database lives in main/core.' },
        ...nodeBuiltins.map((name) => ({ name, message: 'renderer/ and shared/ run without Node: no node: modules here.' })),
      ],
      patterns: [
        { group: ['@tensorflow/*', '**/main/**'], message: 'Tensor code and main/ are reached through the contract, not imported.' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'bench-results/**', '.electron-native/**', 'test-results/**', '.venv-trl/**'] },
  js.configs.recommended,
  // Type-aware rules (no-floating-promises, no-misused-promises, unsafe any…):
  // a Promise returned where React expects a cleanup once blanked the app.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: noNodeOrElectron,
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: noNodeOrElectron,
  },
  {
    // The GPU worker page runs the engine of main/ in a sandboxed renderer (docs/decisions/0002): it imports main/ and
    // tfjs, but still no Node module or Electron — the bundle swaps the engine's Node modules for the page's shims.
    files: ['renderer/gpu-worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The GPU worker page reaches its host only through window.gpuBridge.' },
            { name: 'better-sqlite3', message: 'The GPU worker page has no database: the host hands it the snapshot.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The GPU worker page runs without Node: use its shims.' })),
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts', 'scripts/**/*.{ts,mjs,js}', 'bin/**/*.mjs', 'test/**/*.ts', 'bench/**/*.ts', '*.config.{ts,js}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react', message: 'main/ has no UI.' },
            { name: 'react-dom', message: 'main/ has no UI.' },
          ],
          patterns: [{ group: ['**/renderer/**'], message: 'main/ never imports the renderer.' }],
        },
      ],
    },
  },
  {
    // Only the Electron glue may import electron.
    files: ['main/core/**/*.ts', 'main/engine/**/*.ts', 'main/server/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only main/index.ts and main/preload.ts import electron; the core is transport-free.' },
            { name: 'react', message: 'main/ has no UI.' },
            { name: 'react-dom', message: 'main/ has no UI.' },
          ],
          patterns: [{ group: ['**/renderer/**'], message: 'main/ never imports the renderer.' }],
        },
      ],
    },
  },
  {
    // SQL lives in stores: a domain's store.ts or *-store.ts (each extends main/core/db/store.ts and runs
    // this.sql('…')), plus the database layer in main/core/db/ (opening, pragmas, migrations). Everything
    // else calls store methods, composing them inside store.transaction(fn) where they belong together.
    files: ['main/**/*.ts'],
    ignores: ['main/core/**/store.ts', 'main/core/**/*-store.ts', 'main/core/db/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'The database is reached through a store (store.ts / *-store.ts) or main/core/db/.' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='prepare']",
          message: 'SQL lives in stores (store.ts / *-store.ts): add a store method and call it.',
        },
        {
          selector: "CallExpression[callee.property.name='pragma']",
          message: 'Pragmas belong to the database layer (main/core/db/open.ts): call a helper there.',
        },
        {
          selector:
            "CallExpression[callee.property.name='exec'][arguments.0.type=/^(Literal|TemplateLiteral)$/]:not([callee.object.regex])",
          message: 'SQL lives in stores (store.ts / *-store.ts): add a store method and call it.',
        },
      ],
    },
  },
  {
    // The trainer (and its demo) is a library the core drives from main/core/runs/; it never reaches back into the core.
    files: ['main/training/**/*.ts', 'main/evaluation/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The trainer is transport-free.' },
            { name: 'react', message: 'main/ has no UI.' },
            { name: 'react-dom', message: 'main/ has no UI.' },
          ],
          patterns: [
            { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' },
            {
              group: ['**/core', '**/core/**'],
              message:
                'main/training/ never imports main/core/ (the core calls the trainer): move what it needs into main/training/ or shared/.',
            },
          ],
        },
      ],
    },
  },
);
