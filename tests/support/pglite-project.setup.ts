// The PGlite project runs without a server: the PostgreSQL adapter's tests pick their backends from
// BULLITE_TEST_PG_URL, so it is hidden here (the server run is the `postgres` project's job).
delete process.env.BULLITE_TEST_PG_URL;
