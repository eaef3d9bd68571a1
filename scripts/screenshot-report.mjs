#!/usr/bin/env node
/**
 * Renders a run's report.html in headless Chromium and writes a PNG of the whole page:
 *
 *   node scripts/screenshot-report.mjs runs/<id>            → runs/<id>/report.png
 *   node scripts/screenshot-report.mjs runs/<id> --width 1200 --out /tmp/report.png
 *
 * Uses the `chromium` command (Debian: apt-get install -y chromium), or the browser named by the
 * CHROMIUM environment variable. Nothing in `npm test` needs it.
 *
 * `chromium --screenshot` captures the window, so the page's height is measured first: a
 * temporary copy of the page with one line of script that writes its scroll height into the
 * title is loaded with --dump-dom, then the real page is shot at that height. The report itself
 * has no script.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = 'usage: node scripts/screenshot-report.mjs <run folder or report.html> [--width PIXELS] [--out FILE.png]';
/** Chromium's own limit for a window is about 16k pixels a side; a report is far shorter. */
const MAX_HEIGHT = 16000;

function fail(message, status = 2) {
  process.stderr.write(`screenshot-report: ${message}\n`);
  process.exit(status);
}

function parseArgs(argv) {
  const options = { input: null, width: 1000, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--width' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) fail(`${arg} needs a value\n${USAGE}`);
      if (arg === '--out') options.out = value;
      else {
        const width = Number(value);
        if (!Number.isInteger(width) || width < 320 || width > 4000) fail(`--width must be a whole number of pixels from 320 to 4000, got ${value}`);
        options.width = width;
      }
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}\n${USAGE}`);
    else if (options.input !== null) fail(`one run folder at a time, got ${options.input} and ${arg}\n${USAGE}`);
    else options.input = arg;
  }
  if (options.input === null) fail(USAGE);
  return options;
}

/** The report.html of a run folder, or the .html file given. */
function reportFile(input) {
  const resolved = path.resolve(input);
  if (!existsSync(resolved)) fail(`${input} does not exist`);
  const file = statSync(resolved).isDirectory() ? path.join(resolved, 'report.html') : resolved;
  if (!existsSync(file)) fail(`${file} does not exist: a run folder from before report.html existed has none; re-run its recipe to get one`);
  return file;
}

/** The first browser command that answers --version. */
function findChromium() {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const command of candidates) {
    const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
    if (probe.error === undefined && probe.status === 0) return command;
  }
  fail(
    `no Chromium found (tried ${candidates.join(', ')}). Install it: \`sudo apt-get install -y chromium\` on Debian/Ubuntu, ` +
      'or point CHROMIUM at a Chrome or Chromium binary (CHROMIUM=/path/to/chrome).',
    1,
  );
}

function runChromium(chromium, args) {
  const flags = ['--headless', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--no-default-browser-check'];
  // Chromium will not start its sandbox as root (containers, CI); the page is our own local file.
  if (process.getuid?.() === 0) flags.push('--no-sandbox');
  const result = spawnSync(chromium, [...flags, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (result.error !== undefined) fail(`${chromium} failed to run: ${result.error.message}`, 1);
  if (result.status !== 0) fail(`${chromium} exited with status ${result.status}:\n${result.stderr}`, 1);
  return result.stdout;
}

/** The page's full height at this width, measured in a throwaway copy that reports it in its title. */
function measureHeight(chromium, file, width) {
  const dir = mkdtempSync(path.join(tmpdir(), 'prune-run-screenshot-'));
  try {
    const probe = path.join(dir, 'measure.html');
    const html = readFileSync(file, 'utf8');
    const script = '<script>document.title = "report-height:" + Math.ceil(document.documentElement.scrollHeight);</script>';
    if (!html.includes('</body>')) fail(`${file} has no </body>: is it a prune-run report?`);
    writeFileSync(probe, html.replace('</body>', `${script}</body>`));
    const dom = runChromium(chromium, ['--dump-dom', `--window-size=${width},800`, pathToFileURL(probe).href]);
    const match = /<title>report-height:(\d+)<\/title>/.exec(dom);
    if (match === null) fail(`could not measure the page's height (Chromium's DOM dump has no measurement)`, 1);
    return Math.min(MAX_HEIGHT, Number(match[1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const options = parseArgs(process.argv.slice(2));
const file = reportFile(options.input);
const out = path.resolve(options.out ?? path.join(path.dirname(file), 'report.png'));
const chromium = findChromium();
const height = measureHeight(chromium, file, options.width);
if (existsSync(out)) rmSync(out);
runChromium(chromium, [`--screenshot=${out}`, `--window-size=${options.width},${height}`, pathToFileURL(file).href]);
if (!existsSync(out)) fail(`${chromium} exited without writing ${out}`, 1);
process.stdout.write(`${path.relative(process.cwd(), out) || out} (${options.width}×${height} px)\n`);
