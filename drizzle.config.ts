import { defineConfig } from 'drizzle-kit';

// drizzle-kit reads the Drizzle schema and writes SQL migrations into ./drizzle, the one folder the
// engine's migrator applies at open (see README "Folders").
export default defineConfig({
  dialect: 'sqlite',
  schema: './src_refactored/infrastructure/persistence/drizzle/schema/*.table.ts',
  out: './drizzle',
});
