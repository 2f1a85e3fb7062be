// @ts-check
/**
 * ESLint flat config: type-aware rules from typescript-eslint (they read tsconfig.json through
 * the project service), Jest's rules for the tests, and eslint-config-prettier last so that
 * formatting is Prettier's job alone (`npm run format`).
 */
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'data/',
      'test-results/',
      'test/generated/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error: await it, return it, or mark it with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify hooks and Nest guards are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    extends: [jest.configs['flat/recommended']],
    rules: {
      // Every expect(...).resolves/.rejects must be awaited, and expect() must assert something.
      'jest/valid-expect': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/no-focused-tests': 'error',
      // A test without expect() is suspect, but helpers that assert (expectRejected, rejected400)
      // are common here: a warning to look at, not an error.
      'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'expect*', 'rejected*'] }],
      // Setup that must have worked (a seed group created, two instances ready) is asserted in
      // beforeAll/beforeEach, so a broken setup fails loudly instead of as every test's mystery.
      'jest/no-standalone-expect': [
        'error',
        { additionalTestBlockFunctions: ['beforeAll', 'beforeEach', 'afterAll', 'afterEach'] },
      ],
      // Concurrency and fuzz suites classify outcomes they cannot know in advance (which of 50
      // racing requests wins) and assert each branch exactly, then assert the counts per branch.
      'jest/no-conditional-expect': 'off',
      // Response bodies from supertest are `any` by design; tests assert on them with toEqual.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Nest tests pass handlers (Controller.prototype.list) as metadata keys, never calling them.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
