import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'http',
  'https',
  'crypto',
  'child_process',
  'net',
  'url',
  'util',
  'stream',
  'events',
  'worker_threads',
];

/** Import bans per layer (STYLE.md "Layers"). */
function restrict(patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const noElectron = { group: ['electron', 'electron/*'], message: 'Only electron/main and electron/preload may import electron.' };
const noNode = { group: nodeBuiltins, message: 'This layer runs in a web page or everywhere: no Node built-ins.' };
const noServer = {
  group: ['**/server/**', '../server', '../../server'],
  message: 'The desk and the renderer meet the server only in shared/.',
};
const noElectronDir = { group: ['**/electron/**'], message: 'This layer may not import the desk core or the Electron shell.' };
const noRenderer = { group: ['**/renderer/**'], message: 'Only the renderer imports renderer code.' };
const noUi = { group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*'], message: 'shared/ is framework-free.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'release/**', 'test-results/**', 'playwright-report/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'Never eval.' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'test/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: restrict([noElectron, noNode, noServer, noElectronDir]) },
  { files: ['shared/**/*.ts'], rules: restrict([noElectron, noNode, noServer, noElectronDir, noRenderer, noUi]) },
  { files: ['server/**/*.ts'], rules: restrict([noElectron, noElectronDir, noRenderer]) },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: restrict([noElectron, noServer, noRenderer]),
  },
  { files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'], rules: restrict([noServer, noRenderer]) },
);
