import { defineConfig } from 'vitest/config';

/**
 * Test files that exercise the engine only through its public API (or through a port), so they say
 * nothing about the store underneath: they run unchanged on SQLite, on PGlite and on a PostgreSQL
 * server. Every other file is SQLite-only on purpose (query plans, file faults, WAL and durability,
 * encryption-at-rest bytes, raw `engine.db` access, CLI and child processes opening a file path, pure
 * unit tests that open no store) and is simply not part of the PostgreSQL projects. This list is the
 * one place that decides it.
 */
const BACKEND_NEUTRAL = [
  'tests/integration/add-semantics.test.ts',
  'tests/integration/count-retention.test.ts',
  'tests/integration/event-loop-share.test.ts',
  'tests/integration/insert-record.test.ts',
  'tests/integration/job-handle.test.ts',
  'tests/integration/locks-and-close.test.ts',
  'tests/integration/processing-order.test.ts',
  'tests/integration/queue-admin.test.ts',
  'tests/integration/retention-and-wakeup.test.ts',
  'tests/integration/retries-and-backoff.test.ts',
  'tests/flows/child-failure.test.ts',
  'tests/flows/dead-letter.test.ts',
  'tests/flows/depends-on.test.ts',
  'tests/flows/flow-producer.test.ts',
  'tests/flows/flow-transitions.property.test.ts',
  'tests/flows/step-jobs.test.ts',
  'tests/flow-control/cancellation.test.ts',
  'tests/flow-control/concurrency.test.ts',
  'tests/flow-control/deduplication.test.ts',
  'tests/flow-control/rate-limit.test.ts',
  'tests/flow-control/timeout.test.ts',
  'tests/scheduler/delayed-promotion.test.ts',
  'tests/scheduler/job-schedulers.test.ts',
  'tests/scheduler/retention.test.ts',
  'tests/scheduler/stalled-recovery.test.ts',
  'tests/observe/durable-events.test.ts',
  'tests/observe/metrics.test.ts',
  'tests/observe/observability-options.test.ts',
  'tests/observe/search-jobs.test.ts',
  'tests/recipes/define-job.test.ts',
  'tests/recipes/job-list-view.test.ts',
  'tests/recipes/task-tool.test.ts',
];

/**
 * The PostgreSQL adapter's own tests (the IJobRepository contract, the Pg* repositories, several
 * processes on one database). They open their stores themselves: PGlite always, the server too when
 * BULLITE_TEST_PG_URL is set.
 */
const POSTGRES_ADAPTER = ['tests/contract/pg-*.test.ts', 'tests/postgres/**/*.test.ts'];

const postgresProject = (name: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name,
    include: [...BACKEND_NEUTRAL, ...POSTGRES_ADAPTER],
    env: { BULLITE_TEST_BACKEND: name },
    // In the PGlite run the adapter tests must not reach for a server that may be configured for the other run.
    setupFiles: name === 'pglite' ? ['tests/support/pglite-project.setup.ts'] : [],
  },
});

const wantsPostgres = process.argv.some((arg, i) => arg === '--project=postgres' || (arg === 'postgres' && process.argv[i - 1] === '--project'));
if (wantsPostgres && !process.env.BULLITE_TEST_PG_URL) {
  throw new Error('npm run test:postgres needs BULLITE_TEST_PG_URL, e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres');
}

export default defineConfig({
  test: {
    // Crash and multi-process tests start real child processes; give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Every file on SQLite, as always (the adapter's own tests run in the PostgreSQL projects).
      { extends: true, test: { name: 'sqlite', include: ['tests/**/*.test.ts'], exclude: POSTGRES_ADAPTER, env: { BULLITE_TEST_BACKEND: 'sqlite' } } },
      // `npm test`: the same backend-neutral files on embedded PGlite (no server needed).
      postgresProject('pglite'),
      // `npm run test:postgres`: on the server in BULLITE_TEST_PG_URL (defined only when it is set, so
      // `npx vitest run tests/x.test.ts` on a machine without a server does not fail on it).
      ...(process.env.BULLITE_TEST_PG_URL ? [postgresProject('postgres')] : []),
    ],
  },
});
