/** Where the command writes and which folder it works from: the process's own, or a test's. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where listr2 draws progress (stderr for the real command). */
  readonly progress: NodeJS.WriteStream;
  readonly cwd: string;
  /** The environment settings are read from (the user's cache folder); default: the process's. */
  readonly env?: NodeJS.ProcessEnv;
}
