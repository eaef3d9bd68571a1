/**
 * The protocol buffer messages of TensorBoard's event files, for protobufjs: the subset of
 * TensorFlow's event.proto and summary.proto (Event, Summary, Summary.Value, SummaryMetadata) and of
 * the HParams plugin's api.proto and plugin_data.proto that prune-run writes, with the field numbers
 * of those files (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto,
 * tensorboard/plugins/hparams/{api,plugin_data}.proto) and google.protobuf.Struct's Value and ListValue.
 * Fields prune-run never writes are left out: a decoder skips unknown fields, and the numbers of the
 * ones kept are what makes the bytes TensorBoard's.
 */
import protobuf from 'protobufjs';

const field = (id: number, type: string, rule?: 'repeated') => (rule === undefined ? { id, type } : { id, type, rule });

const DEFINITION = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['file_version', 'summary'] } },
          fields: { wall_time: field(1, 'double'), step: field(2, 'int64'), file_version: field(3, 'string'), summary: field(5, 'Summary') },
        },
        Summary: {
          fields: { value: field(1, 'Value', 'repeated') },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simple_value'] } },
              fields: { tag: field(1, 'string'), simple_value: field(2, 'float'), metadata: field(9, 'SummaryMetadata') },
            },
          },
        },
        SummaryMetadata: {
          fields: { plugin_data: field(1, 'PluginData'), display_name: field(2, 'string'), summary_description: field(3, 'string'), data_class: field(4, 'DataClass') },
          nested: {
            PluginData: { fields: { plugin_name: field(1, 'string'), content: field(2, 'bytes') } },
          },
        },
        DataClass: { values: { DATA_CLASS_UNKNOWN: 0, DATA_CLASS_SCALAR: 1, DATA_CLASS_TENSOR: 2, DATA_CLASS_BLOB_SEQUENCE: 3 } },
        hparams: {
          nested: {
            HParamsPluginData: {
              oneofs: { data: { oneof: ['experiment', 'session_start_info', 'session_end_info'] } },
              fields: {
                version: field(1, 'int32'),
                experiment: field(2, 'Experiment'),
                session_start_info: field(3, 'SessionStartInfo'),
                session_end_info: field(4, 'SessionEndInfo'),
              },
            },
            Experiment: {
              fields: {
                description: field(1, 'string'),
                user: field(2, 'string'),
                time_created_secs: field(3, 'double'),
                hparam_infos: field(4, 'HParamInfo', 'repeated'),
                metric_infos: field(5, 'MetricInfo', 'repeated'),
                name: field(6, 'string'),
              },
            },
            HParamInfo: {
              oneofs: { domain: { oneof: ['domain_discrete'] } },
              fields: {
                name: field(1, 'string'),
                display_name: field(2, 'string'),
                description: field(3, 'string'),
                type: field(4, 'DataType'),
                domain_discrete: field(5, 'google.protobuf.ListValue'),
              },
            },
            DataType: { values: { DATA_TYPE_UNSET: 0, DATA_TYPE_STRING: 1, DATA_TYPE_BOOL: 2, DATA_TYPE_FLOAT64: 3 } },
            MetricInfo: {
              fields: { name: field(1, 'MetricName'), display_name: field(3, 'string'), description: field(4, 'string') },
            },
            MetricName: { fields: { group: field(1, 'string'), tag: field(2, 'string') } },
            SessionStartInfo: {
              fields: {
                hparams: { id: 1, keyType: 'string', type: 'google.protobuf.Value' },
                model_uri: field(2, 'string'),
                group_name: field(4, 'string'),
                start_time_secs: field(5, 'double'),
              },
            },
            SessionEndInfo: { fields: { status: field(1, 'Status'), end_time_secs: field(2, 'double') } },
            Status: { values: { STATUS_UNKNOWN: 0, STATUS_SUCCESS: 1, STATUS_FAILURE: 2, STATUS_RUNNING: 3 } },
          },
        },
      },
    },
    google: {
      nested: {
        protobuf: {
          nested: {
            Value: {
              oneofs: { kind: { oneof: ['number_value', 'string_value', 'bool_value'] } },
              fields: { number_value: field(2, 'double'), string_value: field(3, 'string'), bool_value: field(4, 'bool') },
            },
            ListValue: { fields: { values: field(1, 'Value', 'repeated') } },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DEFINITION);

/** The message types prune-run encodes (and its tests decode). */
export const TB = {
  Event: root.lookupType('tensorboard.Event'),
  Summary: root.lookupType('tensorboard.Summary'),
  HParamsPluginData: root.lookupType('tensorboard.hparams.HParamsPluginData'),
} as const;

/** A google.protobuf.Value as the HParams plugin takes an hyperparameter's value. */
export type HParamValue = { number_value: number } | { string_value: string } | { bool_value: boolean };

/** One `Summary.Value`: a scalar, or a plugin's summary (its content an encoded message). */
export interface SummaryValue {
  readonly tag: string;
  readonly simple_value?: number;
  readonly metadata?: { readonly plugin_data: { readonly plugin_name: string; readonly content: Uint8Array }; readonly data_class?: number };
}

/** An Event's fields as prune-run fills them (snake_case: protobufjs's field names are the .proto's). */
export interface EventFields {
  readonly wall_time: number;
  readonly step?: number;
  readonly file_version?: string;
  readonly summary?: { readonly value: readonly SummaryValue[] };
}

export function encodeEvent(event: EventFields): Uint8Array {
  const fields = event as unknown as Record<string, unknown>;
  const problem = TB.Event.verify(fields);
  if (problem !== null) throw new Error(`internal: not a TensorBoard event: ${problem}`);
  return TB.Event.encode(TB.Event.fromObject(fields)).finish();
}

export function encodeHParamsPluginData(data: Record<string, unknown>): Uint8Array {
  const problem = TB.HParamsPluginData.verify(data);
  if (problem !== null) throw new Error(`internal: not HParams plugin data: ${problem}`);
  return TB.HParamsPluginData.encode(TB.HParamsPluginData.fromObject(data)).finish();
}
