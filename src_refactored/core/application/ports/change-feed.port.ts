/**
 * Tells idle workers that another process changed the store, so they look for work at once instead of
 * at their next idle check. SQLite: `PRAGMA data_version` polling; PostgreSQL: LISTEN/NOTIFY.
 */
export interface ChangeFeed {
  subscribe(listener: () => void): () => void;
  close(): void;
}

export const CHANGE_FEED = Symbol.for('bullite.ChangeFeed');
