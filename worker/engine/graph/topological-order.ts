import type { OnnxGraph } from "../proto/onnx-model.ts";

interface NodeOrder {
  /** Node indices in an order where every producer precedes its consumers. */
  order: number[];
  /** Nodes that could not be ordered (a cycle, or an input nobody produces). */
  stuck: number[];
  /** Value names consumed but never produced, declared as an input or given as an initializer. */
  missing: Set<string>;
}

/** Kahn's algorithm over value names (iterative: hostile graphs cannot exhaust the stack). */
export function topologicalOrder(graph: OnnxGraph, available: Iterable<string>): NodeOrder {
  const known = new Set(available);
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    for (const output of node.outputs)
      if (output !== "" && !producer.has(output)) producer.set(output, index);
  });
  const waiting = new Int32Array(graph.nodes.length);
  const consumers = new Map<string, number[]>();
  const missing = new Set<string>();
  graph.nodes.forEach((node, index) => {
    const pending = new Set<string>();
    for (const input of node.inputs) {
      if (input === "" || known.has(input)) continue;
      if (!producer.has(input)) {
        missing.add(input);
        continue;
      }
      pending.add(input);
    }
    waiting[index] = pending.size;
    for (const name of pending) {
      const list = consumers.get(name);
      if (list) list.push(index);
      else consumers.set(name, [index]);
    }
  });
  const ready: number[] = [];
  graph.nodes.forEach((_, index) => {
    if (waiting[index] === 0) ready.push(index);
  });
  const order: number[] = [];
  const done = new Uint8Array(graph.nodes.length);
  for (let head = 0; head < ready.length; head++) {
    const index = ready[head] as number;
    order.push(index);
    done[index] = 1;
    for (const output of graph.nodes[index]?.outputs ?? []) {
      if (output === "" || producer.get(output) !== index) continue;
      for (const consumer of consumers.get(output) ?? []) {
        waiting[consumer] = (waiting[consumer] as number) - 1;
        if (waiting[consumer] === 0) ready.push(consumer);
      }
    }
  }
  const stuck = graph.nodes.flatMap((_, index) => (done[index] ? [] : [index]));
  return { order, stuck, missing };
}
