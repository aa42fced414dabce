/**
 * What to do about bookkeeping row `id` whose hash is NULL: put back the hash of the file it
 * records (Drizzle's hash is the file's SHA-256), or delete the row if that migration never ran.
 */
export function nullHashFix(id: number): string {
  return (
    `if the migration it records ran, put that file's hash back (sha256sum FILE, then UPDATE drizzle.__drizzle_migrations SET hash = '<that hex>' WHERE id = ${id}); ` +
    `if nothing ran, delete the row (DELETE FROM drizzle.__drizzle_migrations WHERE id = ${id})`
  );
}
