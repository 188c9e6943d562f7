import type { Params } from "../ops/op-types.ts";
import type { EngineTensorType, TensorInfo } from "../tensor.ts";
import type { SectionEntry } from "./compiled-format.ts";

export interface CompiledInput extends TensorInfo {
  /** Rank from the graph's declared shape, or null when the graph declares none. */
  rank: number | null;
}

export interface CompiledConstant {
  slot: number;
  type: EngineTensorType;
  dims: number[];
  section?: number;
  strings?: string[];
}

export interface CompiledStep {
  op: string;
  name: string;
  in: number[];
  out: number[];
  inTypes: (EngineTensorType | null)[];
  outTypes: EngineTensorType[];
  params: Params;
  arrays: Record<string, number>;
}

export interface CompiledHeader {
  inputs: CompiledInput[];
  outputs: TensorInfo[];
  inputSlots: number[];
  outputSlots: number[];
  slotCount: number;
  treeNodes: number;
  constants: CompiledConstant[];
  steps: CompiledStep[];
  sections: SectionEntry[];
}
