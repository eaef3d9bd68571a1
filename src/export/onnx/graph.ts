/**
 * An ONNX graph under construction, and its encoding to a ModelProto through onnx-proto (protobufjs
 * underneath: no protobuf is written by hand). Nodes and initializers are plain objects until
 * encode(), so a value can still be renamed (the graph's outputs get torch's plain names).
 */
import onnxProto from 'onnx-proto';
import { PRUNE_RUN_VERSION } from '../../version.js';

const { onnx } = onnxProto;

/** The opset the writer targets: Clip with min/max inputs, Softmax on one axis (13 and later). */
export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13. */
const IR_VERSION = 7;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** An attribute value: an int, a float or a list of ints. */
export type AttributeValue = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] };

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  if ('int' in value) return { name, type: onnx.AttributeProto.AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float };
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value.ints] };
}

interface Node {
  readonly opType: string;
  readonly name: string;
  input: string[];
  output: string[];
  readonly attribute: onnxProto.onnx.IAttributeProto[];
}

/** A graph input or output: its name and dims, `null` for the batch axis. */
export interface GraphPort {
  readonly name: string;
  readonly dims: readonly (number | null)[];
}

const bytesOf = (values: Float32Array | BigInt64Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** `base`, or `base_1`, `base_2`… when taken: every tensor and node name is unique. */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${String(k)}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node of one output named after `output` (made unique); returns that name. */
  node(opType: string, inputs: readonly string[], output: string, attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    const name = this.unique(output);
    this.nodes.push({
      opType,
      name: `${name}/${opType}`,
      input: [...inputs],
      output: [name],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return name;
  }

  /** Adds a float32 initializer (its name made unique); returns its name. */
  floats(name: string, values: Float32Array, dims: readonly number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dataType: FLOAT, dims: [...dims], rawData: bytesOf(Float32Array.from(values)) });
    return unique;
  }

  /** Adds an int64 initializer (a shape for Reshape); returns its name. */
  int64s(name: string, values: readonly number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dataType: INT64, dims: [values.length], rawData: bytesOf(BigInt64Array.from(values.map(BigInt))) });
    return unique;
  }

  /** Renames a node output (the graph's outputs are named `output`, as torch names them by default); returns the name given. */
  rename(from: string, to: string): string {
    const name = this.unique(to);
    for (const node of this.nodes) {
      node.input = node.input.map((i) => (i === from ? name : i));
      node.output = node.output.map((o) => (o === from ? name : o));
    }
    return name;
  }

  /** Whether a node writes `name` (a graph input or initializer passed through has no node). */
  produces(name: string): boolean {
    return this.nodes.some((node) => node.output.includes(name));
  }

  encode(graphName: string, inputs: readonly GraphPort[], outputs: readonly GraphPort[]): Uint8Array {
    const port = ({ name, dims }: GraphPort): onnxProto.onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (d === null ? { dimParam: 'N' } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'prune-run',
      producerVersion: PRUNE_RUN_VERSION,
      graph: {
        name: graphName,
        node: this.nodes.map((n) => ({ ...n })),
        initializer: this.initializers,
        input: inputs.map(port),
        output: outputs.map(port),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
