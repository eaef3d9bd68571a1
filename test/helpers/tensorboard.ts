/** Reading TensorBoard event files back in tests: records decoded to plain events, HParams plugin data to plain objects. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TB_DIR } from '../../src/runs/tensorboard/eventsFile.js';
import { TB } from '../../src/runs/tensorboard/proto.js';
import { readRecords } from '../../src/runs/tensorboard/records.js';

export interface DecodedValue {
  tag: string;
  simple_value?: number;
  metadata?: { plugin_data: { plugin_name: string; content: Uint8Array }; data_class?: string };
}

export interface DecodedEvent {
  wall_time: number;
  step?: number;
  file_version?: string;
  summary?: { value: DecodedValue[] };
}

export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const message = TB.Event.decode(bytes);
  return TB.Event.toObject(message, { longs: Number, enums: String }) as DecodedEvent;
}

export function decodePluginData(value: DecodedValue): Record<string, unknown> {
  const content = value.metadata?.plugin_data.content;
  if (content === undefined) throw new Error(`${value.tag} has no plugin data`);
  return TB.HParamsPluginData.toObject(TB.HParamsPluginData.decode(content), { enums: String, longs: Number, defaults: false });
}

/** A session_start_info event's hyperparameters, as plain values. */
export function hparamsOfSession(event: DecodedEvent): Record<string, unknown> {
  const value = event.summary?.value[0];
  if (value?.tag !== '_hparams_/session_start_info') throw new Error(`not a session start: ${JSON.stringify(event)}`);
  const data = decodePluginData(value) as { session_start_info: { hparams: Record<string, Record<string, unknown>> } };
  return Object.fromEntries(Object.entries(data.session_start_info.hparams).map(([name, v]) => [name, Object.values(v)[0]]));
}

/** The events of the one event file in a run folder's tb/. */
export async function readRunEvents(runDir: string): Promise<{ file: string; events: DecodedEvent[] }> {
  const files = await readdir(path.join(runDir, TB_DIR));
  if (files.length !== 1) throw new Error(`expected one event file in ${runDir}/${TB_DIR}, found ${files.join(', ')}`);
  const file = files[0]!;
  return { file, events: readRecords(await readFile(path.join(runDir, TB_DIR, file))).map(decodeEvent) };
}
