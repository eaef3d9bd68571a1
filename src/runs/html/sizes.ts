/**
 * The HTML report's size sections: the final model's parameters, MACs and bytes, what compact
 * export removed and bought, and the sparse files against the plain ones.
 */
import type { CompactEntry, SizeEntry, SparseEntry } from '../record.js';
import { exactZerosText, foldedText } from '../../export/compactEntry.js';
import { macsLine } from '../report.js';
import { element, text, type Markup } from './markup.js';
import { code, heading, inline, list, strong, table, type Cell } from './tables.js';

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

export function sizeSection(s: SizeEntry): Markup[] {
  return [
    heading(2, 'Size', 'size'),
    list([
      `parameters ${s.parameters}, nonzero ${s.nonzeros} (${percent(s.nonzeros / s.parameters)})`,
      ...(s.macs == null ? [] : [macsLine(s.macs)]),
      `the pruned model as TF.js saves it (model.json + weights.bin): ${kb(s.denseBytes)}, gzipped ${kb(s.denseGzippedBytes)}` +
        ' (zeros are stored as zeros: see export.compact and export.sparse for smaller files)',
    ]),
  ];
}

export function compactSection(c: CompactEntry): Markup[] {
  const changed = c.layers.filter((l) => l.channelsAfter !== l.channelsBefore).length;
  const items: Cell[] = [
    inline(
      `${changed} layer(s) lost channels; parameters: ${c.parametersBefore} → `,
      strong(String(c.parametersAfter)),
      ` (${percent(1 - c.parametersAfter / c.parametersBefore)} fewer)`,
      ...(c.macs === undefined ? [] : [`; multiply-adds per image: ${c.macs.before} → `, strong(String(c.macs.after)), ` (${percent(1 - c.macs.after / c.macs.before)} fewer)`]),
    ),
    inline(
      `bytes on disk (model.json + weights.bin): pruned dense model ${kb(c.bytes.dense)}, the same gzipped ${kb(c.bytes.denseGzipped)}, compact model `,
      strong(kb(c.bytes.compact)),
    ),
  ];
  for (const note of [exactZerosText(c), foldedText(c)]) if (note !== null) items.push(note);
  const m = c.comparison;
  if (m === null) items.push('no test split in this run: accuracy and speed were not compared');
  else {
    items.push(
      `on the ${m.images} test images: accuracy ${percent(m.maskedAccuracy)} (pruned) vs ${percent(m.compactAccuracy)} (compact), ` +
        `largest logit difference ${m.maxLogitDifference.toExponential(2)}`,
      inline(
        `inference: ${fixed(m.maskedImagesPerSecond, 0)} images/s (pruned) vs `,
        strong(fixed(m.compactImagesPerSecond, 0)),
        ` images/s (compact), ${fixed(m.compactImagesPerSecond / m.maskedImagesPerSecond, 2)}× (best of 3 passes each, in this run)`,
      ),
    );
  }
  return [
    element('h2', { id: 'compact' }, [text('Compact export ('), code('model-compact/'), text(')')]),
    table(
      ['layer', 'class', 'channels before', 'channels after', 'removed'],
      c.layers.map((l) => [code(l.name), l.className, String(l.channelsBefore), String(l.channelsAfter), String(l.channelsBefore - l.channelsAfter)]),
      [2, 3, 4],
    ),
    list(items),
  ];
}

export function sparseSection(s: SparseEntry): Markup[] {
  return [
    element('h2', { id: 'sparse' }, [text('Sparse export ('), code('model-sparse/'), text(')')]),
    list([
      inline(
        `bytes on disk: plain TF.js files (model/) ${kb(s.denseBytes)}, sparse files `,
        strong(kb(s.bytes)),
        ` (${percent(s.bytes / s.denseBytes)} of them); prune-run's `,
        code('sparseModelFromDir'),
        ' restores the dense model bit for bit',
      ),
    ]),
  ];
}

