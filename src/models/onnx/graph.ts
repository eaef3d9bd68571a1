/**
 * An ONNX file decoded (with onnx-proto) into plain data: the graph's inputs and outputs, its
 * initializers as typed arrays, its nodes with their attributes. Only what torch.onnx.export writes
 * for the ops the importer converts is read: float32 and int64 tensors, int, float, ints, floats,
 * string and tensor attributes; anything else is reported by the converter, by node and op.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A constant tensor: float32 data as floats, int64/int32 data as numbers (exact up to 2^53). */
export interface OnnxTensor {
  readonly dims: readonly number[];
  readonly type: 'float' | 'int';
  readonly values: Float32Array | readonly number[];
}

export type OnnxAttribute = number | string | readonly number[] | OnnxTensor;

export interface OnnxNode {
  /** The node's name (torch: `/layer1/layer1.0/conv1/Conv`), or `<op> #<index>` when it has none. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

export interface OnnxGraph {
  readonly opset: number;
  /** The graph inputs that are not initializers, with their dims (a symbolic dim is null). */
  readonly inputs: readonly { readonly name: string; readonly dims: readonly (number | null)[] }[];
  readonly outputs: readonly string[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  readonly nodes: readonly OnnxNode[];
}

/** An int64 field: protobufjs gives a number, or a Long (whose types onnx-proto does not ship) past 2^53. */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'toNumber' in value) return Number((value as { toNumber: () => unknown }).toNumber());
  return 0;
}

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** Bytes per value of the types read, as stored in raw_data. */
const RAW_BYTES: Readonly<Record<number, number>> = { [FLOAT]: 4, [INT32]: 4, [INT64]: 8 };

/**
 * A tensor's values, after checking that the data present is exactly what its dims need: dims
 * from the file are not trusted to size an allocation (a 1 KB file may declare [1e12]).
 */
function tensorOf(proto: InstanceType<typeof onnx.TensorProto> | onnxProto.onnx.ITensorProto, what: string): OnnxTensor {
  const dims = (proto.dims ?? []).map(num);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new OnnxReadError(`${what} has dims [${dims.join(', ')}]; sizes must be whole numbers ≥ 0`);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new OnnxReadError(`${what} keeps its values in an external data file, which the importer does not read; export with the weights inside the .onnx file`);
  }
  const raw = proto.rawData ?? null;
  const count = dims.reduce((a, b) => a * b, 1);
  const stored =
    raw !== null && raw.length > 0
      ? raw.length / (RAW_BYTES[proto.dataType ?? 0] ?? 1)
      : (proto.dataType === FLOAT ? proto.floatData : proto.dataType === INT64 ? proto.int64Data : proto.int32Data)?.length ?? 0;
  if (RAW_BYTES[proto.dataType ?? 0] !== undefined && stored !== count) {
    throw new OnnxReadError(`${what} holds ${String(stored)} values but its dims [${dims.join(', ')}] need ${String(count)}`);
  }
  const view = raw !== null && raw.length > 0 ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  switch (proto.dataType) {
    case FLOAT: {
      const values = view !== null ? Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true)) : Float32Array.from(proto.floatData ?? []);
      return { dims, type: 'float', values };
    }
    case INT64: {
      const values = view !== null ? Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true))) : (proto.int64Data ?? []).map(num);
      return { dims, type: 'int', values };
    }
    case INT32: {
      const values = view !== null ? Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true)) : [...(proto.int32Data ?? [])];
      return { dims, type: 'int', values };
    }
    default:
      throw new OnnxReadError(`${what} has data type ${String(proto.dataType)}; only float32, int32 and int64 tensors are read`);
  }
}

/** The file is not an ONNX model this reader takes (its message says why). */
export class OnnxReadError extends Error {}

function attributeOf(attribute: onnxProto.onnx.IAttributeProto, node: string): OnnxAttribute {
  const { AttributeType } = onnx.AttributeProto;
  switch (attribute.type) {
    case AttributeType.INT:
      return num(attribute.i);
    case AttributeType.FLOAT:
      return attribute.f ?? 0;
    case AttributeType.INTS:
      return (attribute.ints ?? []).map(num);
    case AttributeType.FLOATS:
      return [...(attribute.floats ?? [])];
    case AttributeType.STRING:
      return new TextDecoder().decode(attribute.s ?? new Uint8Array());
    case AttributeType.TENSOR:
      return tensorOf(attribute.t ?? {}, `attribute ${attribute.name ?? ''} of node ${node}`);
    default:
      throw new OnnxReadError(`node ${node}: attribute ${attribute.name ?? ''} has a type the importer does not read (${String(attribute.type)})`);
  }
}

/** Decodes an ONNX ModelProto's bytes. Throws OnnxReadError on what it cannot read. */
export function decodeOnnx(bytes: Uint8Array): OnnxGraph {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxReadError(`not an ONNX model (${(error as Error).message})`);
  }
  const graph = model.graph;
  if (graph === null || graph === undefined) throw new OnnxReadError('not an ONNX model (no graph)');
  const defaultDomain = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain === null || o.domain === undefined);
  const initializers = new Map<string, OnnxTensor>();
  for (const tensor of graph.initializer ?? []) initializers.set(tensor.name ?? '', tensorOf(tensor, `initializer ${tensor.name ?? ''}`));
  const inputs = (graph.input ?? [])
    .filter((input) => !initializers.has(input.name ?? ''))
    .map((input) => ({
      name: input.name ?? '',
      dims: (input.type?.tensorType?.shape?.dim ?? []).map((dim) => (dim.dimValue === null || dim.dimValue === undefined ? null : num(dim.dimValue) || null)),
    }));
  const nodes = (graph.node ?? []).map((node, index): OnnxNode => {
    const opType = node.opType ?? '';
    const name = node.name !== null && node.name !== undefined && node.name !== '' ? node.name : `${opType} #${String(index)}`;
    const attributes = new Map<string, OnnxAttribute>();
    for (const attribute of node.attribute ?? []) attributes.set(attribute.name ?? '', attributeOf(attribute, name));
    return { name, opType, domain: node.domain ?? '', inputs: [...(node.input ?? [])], outputs: [...(node.output ?? [])], attributes };
  });
  return { opset: num(defaultDomain?.version), inputs, outputs: (graph.output ?? []).map((output) => output.name ?? ''), initializers, nodes };
}
