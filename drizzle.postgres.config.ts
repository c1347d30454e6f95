import { defineConfig } from 'drizzle-kit';

// The PostgreSQL adapter's schema (issue 9) and its migrations, kept apart from the SQLite ones in ./drizzle.
// `npm run db:generate:pg` writes new migrations here; the PostgreSQL store applies them at open.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src_refactored/infrastructure/persistence/postgres/schema/*.table.ts',
  out: './drizzle/postgres',
});
