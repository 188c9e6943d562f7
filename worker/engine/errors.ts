/** One problem found in a graph: the node, its operator and (when relevant) the attribute at fault. */
export interface GraphIssue {
  node: string;
  op: string;
  domain: string;
  attribute?: string;
  message: string;
}

function describe(issues: readonly GraphIssue[]): string {
  const shown = issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.attribute ? ` attribute ${issue.attribute}` : "";
      return `${issue.domain || "ai.onnx"}.${issue.op} (node ${issue.node || "<unnamed>"}${where}): ${issue.message}`;
    })
    .join("; ");
  return issues.length > 5 ? `${shown}; and ${issues.length - 5} more` : shown;
}

/** The graph uses an operator, opset or attribute outside the compact engine's set. */
export class UnsupportedGraphError extends Error {
  readonly issues: GraphIssue[];
  constructor(issues: GraphIssue[]) {
    super(`unsupported by the compact engine: ${describe(issues)}`);
    this.name = "UnsupportedGraphError";
    this.issues = issues;
  }
}

/** The graph could allocate memory in proportion to an input value: refused for every engine. */
export class UnsafeGraphError extends Error {
  readonly issues: GraphIssue[];
  constructor(issues: GraphIssue[]) {
    super(`memory would depend on an input value: ${describe(issues)}`);
    this.name = "UnsafeGraphError";
    this.issues = issues;
  }
}

/** Bytes that are not a parsable ONNX model or compiled artifact. */
export class InvalidModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidModelError";
  }
}

/** Feeds that do not match the graph's inputs (or values a kernel refuses, such as an index out of range). */
export class EngineInputError extends Error {
  readonly input: string;
  constructor(input: string, message: string) {
    super(message);
    this.name = "EngineInputError";
    this.input = input;
  }
}
