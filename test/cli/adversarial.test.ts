/**
 * The adversarial corpus of issue 15 (test/fixtures/adversarial/): every case, built in a folder
 * of its own, run through the real command in a child process, must keep every promise at once:
 * its exit status (2 for bad input), its message located (the recipe's `file:line:col`, the
 * config's, the sweep's, or the argument), no stack trace, at most 1 GB resident and 90 s, and for
 * bad input nothing written (the folder is as it was, down to each file's size: no runs/, no
 * `.partial`, no stage cache).
 */
import { lstat, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, type AdversarialCase, type SharedFixtures } from '../fixtures/adversarial/index.js';
import { KERNEL_STAGE } from '../fixtures/adversarial/types.js';
import { runCliChild, startCli, STACK_LINE } from '../helpers/child.js';
import { makeTempDir, removeDir } from '../helpers/cli.js';

/** Issue 15's bounds for every case. */
const MAX_RSS_MB = 1024;
const MAX_MS = 90_000;

let sharedDir: string;
/** The shared fixtures, made once while the first cases run (only cases whose build takes them wait: see `argsOf`). */
let shared: Promise<SharedFixtures>;

beforeAll(async () => {
  sharedDir = await makeTempDir('prune-run-adversarial-shared-');
  shared = makeShared(sharedDir);
  // Failures are reported by the cases that wait for it; this only keeps the rejection from being unhandled meanwhile.
  shared.catch(() => undefined);
});

afterAll(async () => {
  await shared.catch(() => undefined);
  await removeDir(sharedDir);
});

/** A finished run of LeNet pruned once, in `dir`. */
async function makeShared(dir: string): Promise<SharedFixtures> {
  await writeFile(path.join(dir, 'package.json'), '{}');
  await writeFile(path.join(dir, 'r.yaml'), `model: {builtin: lenet}\n${KERNEL_STAGE}`);
  const run = await runCliChild(dir, ['--no-cache', '--progress', 'plain', 'r.yaml']);
  if (run.status !== 0) throw new Error(`the shared finished run failed (status ${String(run.status)}):\n${run.stderr}`);
  return { finishedRun: path.resolve(dir, run.stdout.trim()) };
}

/**
 * The case's arguments, its files written into `dir`. A build that declares only `dir` cannot
 * read the shared fixtures and does not wait for them; any other waits (the setup run takes
 * seconds that the cases before it need not spend idle).
 */
async function argsOf(adversarial: AdversarialCase, dir: string): Promise<readonly string[]> {
  if (adversarial.build.length === 1) return adversarial.build(dir, NOT_SHARED);
  return adversarial.build(dir, await shared);
}

/** What a build that declares only `dir` is given as its (unnamed, unreachable) second argument. */
const NOT_SHARED: SharedFixtures = {
  get finishedRun(): string {
    throw new Error('a build that reads the shared fixtures must declare them: build: (dir, shared) => …');
  },
};

/** Every entry under `dir` with its kind and size: what "nothing written" compares. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { recursive: true })).map(String).sort();
  return Promise.all(
    entries.map(async (entry) => {
      const stats = await lstat(path.join(dir, entry));
      return `${entry} ${stats.isDirectory() ? 'dir' : stats.isFile() ? stats.size : 'special'}`;
    }),
  );
}

describe.concurrent('the adversarial corpus', () => {
  for (const { name: className, cases } of CORPUS) {
    describe(className, () => {
      for (const adversarial of cases) {
        it(adversarial.name, async () => {
          const dir = await makeTempDir('prune-run-adversarial-');
          try {
            await writeFile(path.join(dir, 'package.json'), '{}'); // no project config from above
            const args = await argsOf(adversarial, dir);
            const before = await snapshot(dir);
            const child = startCli(dir, args, { env: adversarial.env ?? {}, timeoutMs: MAX_MS });
            const { signal } = adversarial;
            if (signal !== undefined) {
              await child.waitFor(signal.when).then(
                () => child.process.kill(signal.send),
                () => undefined, // ended first: the checks below say how
              );
            }
            const result = await child.done;
            const expected = adversarial.status ?? 2;
            const shown = `stderr:\n${result.stderr}`;
            expect(result.timedOut, `still running after ${MAX_MS} ms; ${shown}`).toBe(false);
            expect(result.status, shown).toBe(expected);
            // A refusal says it on stderr, with nothing on stdout; what succeeds (--dry-run) may say it on stdout.
            if (expected === 2) expect(result.stdout).toBe('');
            expect(`${result.stderr}${result.stdout}`).toMatch(adversarial.message);
            expect(result.stderr).not.toMatch(STACK_LINE);
            expect(result.peakRssMB, shown).toBeLessThanOrEqual(MAX_RSS_MB);
            expect(result.ms).toBeLessThanOrEqual(MAX_MS);
            if (expected === 2) expect(await snapshot(dir), 'bad input must write nothing').toEqual(before);
          } finally {
            await removeDir(dir);
          }
        }, MAX_MS + 30_000);
      }
    });
  }
});
