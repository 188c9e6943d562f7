import { COMPACT_FORMAT_VERSION, readCompiled } from "./compiled/compiled-format.ts";
import type {
  CompiledConstant,
  CompiledHeader,
  CompiledInput,
  CompiledStep,
} from "./compiled/compiled-header.ts";
import { EngineInputError, InvalidModelError } from "./errors.ts";
import type { ArrayData, Kernel } from "./ops/op-types.ts";
import { findOperator } from "./ops/registry.ts";
import { type EngineTensor, type EngineTensorType, sizeOf, type TensorInfo } from "./tensor.ts";

export interface CompactSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly formatVersion: number;
  /** Bytes this session keeps alive (typed arrays + header), for budgeting. */
  readonly retainedBytes: number;
  readonly treeNodes: number;
  run(feeds: Record<string, EngineTensor>, outputNames?: readonly string[]): Record<string, EngineTensor>;
}

const ENGINE_TYPES = new Set<EngineTensorType>(["float32", "float64", "int64", "int32", "string", "bool"]);

function isSlotList(value: unknown, slotCount: number, allowAbsent = false): value is number[] {
  return (
    Array.isArray(value) &&
    value.every(
      (slot) => Number.isInteger(slot) && slot < slotCount && (slot >= 0 || (allowAbsent && slot === -1)),
    )
  );
}

function checkHeader(header: CompiledHeader, sectionCount: number): void {
  const fail = (what: string): never => {
    throw new InvalidModelError(`compiled header: ${what}`);
  };
  const { slotCount } = header;
  if (!Number.isInteger(slotCount) || slotCount < 0 || slotCount > 1e7) fail("slot count");
  if (!Array.isArray(header.inputs) || !isSlotList(header.inputSlots, slotCount)) fail("inputs");
  if (header.inputs.length !== header.inputSlots.length) fail("input table");
  if (!Array.isArray(header.outputs) || !isSlotList(header.outputSlots, slotCount)) fail("outputs");
  if (header.outputs.length !== header.outputSlots.length) fail("output table");
  for (const info of [...header.inputs, ...header.outputs])
    if (typeof info?.name !== "string" || !ENGINE_TYPES.has(info.type) || !Array.isArray(info.shape))
      fail("tensor info");
  if (!Array.isArray(header.constants) || !Array.isArray(header.steps)) fail("tables");
  for (const constant of header.constants) {
    if (
      !isSlotList([constant?.slot], slotCount) ||
      !ENGINE_TYPES.has(constant.type) ||
      !Array.isArray(constant.dims)
    )
      fail("constant");
    if (!constant.dims.every((dim) => Number.isInteger(dim) && dim >= 0)) fail("constant dims");
    if (
      constant.strings === undefined &&
      !(Number.isInteger(constant.section) && (constant.section as number) < sectionCount)
    )
      fail("constant section");
  }
  for (const step of header.steps) {
    if (
      typeof step?.op !== "string" ||
      !isSlotList(step.in, slotCount, true) ||
      !isSlotList(step.out, slotCount, true)
    )
      fail("step");
    if (
      !Array.isArray(step.inTypes) ||
      !Array.isArray(step.outTypes) ||
      typeof step.params !== "object" ||
      !step.params
    )
      fail("step types");
    if (typeof step.arrays !== "object" || !step.arrays) fail("step arrays");
    for (const index of Object.values(step.arrays))
      if (!Number.isInteger(index) || index < 0 || index >= sectionCount) fail("step array section");
  }
}

function constantTensor(constant: CompiledConstant, sections: ArrayData[]): EngineTensor {
  const data = constant.strings ?? sections[constant.section as number];
  if (!data || data.length !== sizeOf(constant.dims))
    throw new InvalidModelError("compiled constant has the wrong size");
  const expected: Record<EngineTensorType, unknown> = {
    float32: Float32Array,
    float64: Float64Array,
    int64: BigInt64Array,
    int32: Int32Array,
    bool: Uint8Array,
    string: Array,
  };
  if (!(data instanceof (expected[constant.type] as new () => unknown)))
    throw new InvalidModelError("compiled constant has the wrong type");
  return { type: constant.type, dims: constant.dims, data: data as EngineTensor["data"] };
}

const DATA_CLASS: Record<EngineTensorType, (data: unknown) => boolean> = {
  float32: (data) => data instanceof Float32Array,
  float64: (data) => data instanceof Float64Array,
  int64: (data) => data instanceof BigInt64Array,
  int32: (data) => data instanceof Int32Array,
  bool: (data) => data instanceof Uint8Array,
  string: (data) => Array.isArray(data) && data.every((item) => typeof item === "string"),
};

function checkFeed(input: CompiledInput, feed: EngineTensor | undefined): void {
  if (!feed || typeof feed !== "object")
    throw new EngineInputError(input.name, `input ${input.name} is missing`);
  if (feed.type !== input.type)
    throw new EngineInputError(input.name, `input ${input.name} must be ${input.type}, got ${feed.type}`);
  if (!DATA_CLASS[input.type](feed.data))
    throw new EngineInputError(input.name, `input ${input.name} data does not match type ${input.type}`);
  if (!Array.isArray(feed.dims) || !feed.dims.every((dim) => Number.isSafeInteger(dim) && dim >= 0))
    throw new EngineInputError(input.name, `input ${input.name} has invalid dims`);
  if (input.rank !== null) {
    if (feed.dims.length !== input.rank)
      throw new EngineInputError(
        input.name,
        `input ${input.name} must have rank ${input.rank}, got ${feed.dims.length}`,
      );
    input.shape.forEach((dim, axis) => {
      if (typeof dim === "number" && dim > 0 && feed.dims[axis] !== dim)
        throw new EngineInputError(
          input.name,
          `input ${input.name} dimension ${axis} must be ${dim}, got ${feed.dims[axis]}`,
        );
    });
  }
  if (sizeOf(feed.dims) !== feed.data.length)
    throw new EngineInputError(
      input.name,
      `input ${input.name} holds ${feed.data.length} values for dims [${feed.dims.join(", ")}]`,
    );
}

interface RunnableStep {
  step: CompiledStep;
  kernel: Kernel;
  inputs: number[];
  outputs: number[];
  /** Reused argument list: run is synchronous and kernels never keep their argument array. */
  args: (EngineTensor | undefined)[];
}

/** Opens a compiled model: views over the buffer (no copies of the arrays), one kernel per step. */
export function openCompiled(compiled: Uint8Array): CompactSession {
  const raw = readCompiled(compiled);
  const header = raw.header as CompiledHeader;
  checkHeader(header, raw.sections.length);
  const constants = new Map<number, EngineTensor>();
  for (const constant of header.constants)
    constants.set(constant.slot, constantTensor(constant, raw.sections));
  const runnable: RunnableStep[] = header.steps.map((step) => {
    const [domain, op] = [
      step.op.slice(0, step.op.lastIndexOf(":")),
      step.op.slice(step.op.lastIndexOf(":") + 1),
    ];
    const definition = findOperator(domain, op);
    if (!definition) throw new InvalidModelError(`compiled step uses unknown operator ${step.op}`);
    const arrays = Object.fromEntries(
      Object.entries(step.arrays).map(([name, index]) => [name, raw.sections[index] as ArrayData]),
    );
    let kernel: Kernel;
    try {
      kernel = definition.kernel({
        params: step.params,
        arrays,
        inputTypes: step.inTypes,
        outputTypes: step.outTypes,
        constantInputs: step.in.map((slot) => constants.get(slot)),
      });
    } catch (error) {
      if (error instanceof InvalidModelError) throw error;
      throw new InvalidModelError(`compiled step ${step.op} is damaged: ${(error as Error).message}`);
    }
    return { step, kernel, inputs: step.in, outputs: step.out, args: new Array(step.in.length) };
  });

  const plans = new Map<string, RunnableStep[]>();
  const planFor = (names: readonly string[]): RunnableStep[] => {
    const key = names.join("\u0000");
    const cached = plans.get(key);
    if (cached) return cached;
    const needed = new Set<number>();
    for (const name of names) {
      const index = header.outputs.findIndex((output) => output.name === name);
      if (index < 0) throw new EngineInputError(name, `the model has no output ${name}`);
      needed.add(header.outputSlots[index] as number);
    }
    const picked: RunnableStep[] = [];
    for (let i = runnable.length - 1; i >= 0; i--) {
      const item = runnable[i] as RunnableStep;
      if (!item.outputs.some((slot) => needed.has(slot))) continue;
      picked.push(item);
      for (const slot of item.inputs) if (slot >= 0) needed.add(slot);
    }
    picked.reverse();
    if (plans.size < 64) plans.set(key, picked);
    return picked;
  };
  const allOutputs = header.outputs.map((output) => output.name);
  const inputNames = new Set(header.inputs.map((input) => input.name));
  const computedSlots = new Set(runnable.flatMap((item) => item.outputs));
  const outputSlotByName = new Map(
    header.outputs.map((output, index) => [output.name, header.outputSlots[index]]),
  );
  const fullPlan = planFor(allOutputs);
  const slotTemplate: (EngineTensor | undefined)[] = new Array(header.slotCount);
  for (const [slot, value] of constants) slotTemplate[slot] = value;

  return {
    inputs: header.inputs.map(({ rank: _rank, ...info }) => info),
    outputs: header.outputs,
    formatVersion: COMPACT_FORMAT_VERSION,
    retainedBytes: raw.bufferBytes + raw.headerBytes,
    treeNodes: header.treeNodes,
    run(feeds, outputNames) {
      if (!feeds || typeof feeds !== "object") throw new EngineInputError("", "feeds must be an object");
      const names = outputNames ?? allOutputs;
      const values = slotTemplate.slice();
      for (let index = 0; index < header.inputs.length; index++) {
        const input = header.inputs[index] as CompiledInput;
        const feed = Object.hasOwn(feeds, input.name) ? feeds[input.name] : undefined;
        checkFeed(input, feed);
        values[header.inputSlots[index] as number] = feed;
      }
      for (const name in feeds)
        if (Object.hasOwn(feeds, name) && !inputNames.has(name))
          throw new EngineInputError(name, `the model has no input ${name}`);
      const plan = outputNames ? planFor(names) : fullPlan;
      for (let s = 0; s < plan.length; s++) {
        const item = plan[s] as RunnableStep;
        const { inputs, outputs, args } = item;
        for (let i = 0; i < inputs.length; i++) {
          const slot = inputs[i] as number;
          args[i] = slot >= 0 ? values[slot] : undefined;
        }
        let produced: EngineTensor[];
        try {
          produced = item.kernel(args);
        } catch (error) {
          if (error instanceof EngineInputError)
            throw new EngineInputError(
              error.input,
              `${item.step.op.split(":")[1]} node ${item.step.name}: ${error.message}`,
            );
          throw error;
        }
        args.fill(undefined); // keep no tensor of this run alive after it returns
        for (let i = 0; i < outputs.length; i++) {
          const slot = outputs[i] as number;
          if (slot >= 0) values[slot] = produced[i];
        }
      }
      const result: Record<string, EngineTensor> = {};
      for (const name of names) {
        const slot = outputSlotByName.get(name) as number;
        const value = values[slot];
        if (!value) throw new EngineInputError(name, `output ${name} was not computed`);
        // A constant or a fed input returned as an output is copied: callers may write into results.
        result[name] = computedSlots.has(slot) ? value : { ...value, data: value.data.slice() };
      }
      return result;
    },
  };
}
