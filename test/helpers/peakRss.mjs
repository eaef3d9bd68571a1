// Preloaded (--import) into a CLI child process by child.ts: at exit, writes the process's peak
// resident memory in kilobytes to the file PRUNE_RUN_TEST_PEAK_RSS names.
import { writeFileSync } from 'node:fs';

const file = process.env.PRUNE_RUN_TEST_PEAK_RSS;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
