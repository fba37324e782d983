import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const noNestQuery = {
  name: '@nestjs/common',
  importNames: ['Query'],
  message: 'use QueryParam from common/query (one text value, else 400 invalid_query)',
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/jest.config.ts',
      '**/dist',
      '**/node_modules',
      '**/.nx',
      '**/coverage',
      '**/.angular',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
              // shared-types is used by the browser and the server: it stays framework-free.
              bannedExternalImports: ['@nestjs/*', '@angular/*', 'werift', 'rxjs', 'express'],
            },
            // werift runtime patches: the server and the test and load clients share them.
            {
              sourceTag: 'scope:media',
              onlyDependOnLibsWithTags: ['scope:media'],
              bannedExternalImports: ['@nestjs/*', '@angular/*', 'rxjs', 'express'],
            },
            // Test helpers (a private redis-server, …): for tests, tools and end-to-end suites;
            // in apps/api only its specs may import them (no-restricted-imports below).
            {
              sourceTag: 'scope:testing',
              onlyDependOnLibsWithTags: ['scope:testing', 'scope:shared'],
            },
            {
              sourceTag: 'scope:api',
              onlyDependOnLibsWithTags: [
                'scope:api',
                'scope:shared',
                'scope:media',
                'scope:testing',
              ],
            },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
            {
              sourceTag: 'scope:tools',
              onlyDependOnLibsWithTags: [
                'scope:tools',
                'scope:shared',
                'scope:media',
                'scope:testing',
              ],
            },
            // End-to-end suites drive the apps from outside, with the tools.
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: ['scope:tools', 'scope:shared', 'scope:testing'],
            },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Query parameters are read through common/query.ts, which refuses a repeated one with
    // 400 invalid_query: a value that is an array deeper in was a 500.
    files: ['apps/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noNestQuery],
          // The api may depend on scope:testing for its specs only: never in the server.
          patterns: [
            {
              group: ['@whisperstream/redis-test-server'],
              message: 'test helpers are for specs (*.spec.ts) and testing/ folders only',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^req(uest)?$/][property.name='query']",
          message: 'use QueryParam from common/query (one text value, else 400 invalid_query)',
        },
        {
          selector: "CallExpression[callee.object.property.name='searchParams']",
          message: 'use searchParam from common/query (one text value, else 400 invalid_query)',
        },
      ],
    },
  },
  {
    // The typed client runs in browsers and in Node 20: no Node built-ins, no `ws` (the caller
    // hands in its WebSocket), except in its specs.
    files: ['libs/client/src/**/*.ts'],
    ignores: ['libs/client/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['ws', 'http', 'https', 'net', 'fs', 'stream', 'string_decoder'].map((name) => ({
            name,
            message: 'libs/client runs in browsers too: inject what it needs (fetch, WebSocket)',
          })),
          patterns: [
            {
              group: ['node:*'],
              message: 'libs/client runs in browsers too: inject what it needs (fetch, WebSocket)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/api/src/**/*.spec.ts', 'apps/api/src/**/testing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noNestQuery] }] },
  },
  prettier,
];
