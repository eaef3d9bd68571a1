/** Whether a git command exists here: tests of the manifest's git facts skip without one. */
import { execFileSync } from 'node:child_process';

export const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
