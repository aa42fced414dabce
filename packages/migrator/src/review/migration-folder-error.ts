/** The review cannot run on what it was given: an unknown tag. */
export class MigrationFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly problem: string,
  ) {
    super(`${folder}: ${problem}`);
    this.name = "MigrationFolderError";
  }
}
