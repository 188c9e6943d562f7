import { describe, expect, it } from "vitest";
import { featureSchema } from "../worker/contracts/manifest.ts";
import { MAX_REPORTED_ERRORS, validateRows } from "../worker/inference/feature-validation.ts";

const features = [
  { name: "income", kind: "number", min: 0, max: 1e7, input: "income" },
  { name: "age", kind: "integer", min: 18, max: 100, input: "age" },
  { name: "history", kind: "category", values: ["good", "poor"], input: "history" },
  { name: "note", kind: "category", values: ["x"], allow_unknown: true, required: false, input: "note" },
].map((feature) => featureSchema.parse(feature));

const path = (row: number, name: string) => `instances[${row}].${name}`;

describe("validateRows", () => {
  it("accepts valid rows and marks absent optional features undefined", () => {
    const result = validateRows({ features }, [{ income: 5e4, age: 35, history: "good" }], path);
    expect(result.errors).toEqual([]);
    expect(result.rows).toEqual([{ income: 5e4, age: 35, history: "good", note: undefined }]);
  });

  it("names every bad field: unknown, missing, wrong type, out of range, unknown category, non-integer", () => {
    const result = validateRows(
      { features },
      [
        { income: "50000", age: 17, history: "great", extra: 1 },
        { income: -1, age: 35.5 },
      ],
      path,
    );
    expect(result.errors).toEqual([
      { field: "instances[0].extra", message: "unknown field" },
      { field: "instances[0].income", message: "must be a finite number" },
      { field: "instances[0].age", message: "must be >= 18" },
      { field: "instances[0].history", message: 'unknown category "great", expected one of good, poor' },
      { field: "instances[1].income", message: "must be >= 0" },
      { field: "instances[1].age", message: "must be an integer" },
      { field: "instances[1].history", message: "required" },
    ]);
  });

  it("lets an allow_unknown category through and treats null as absent", () => {
    const result = validateRows({ features }, [{ income: 1, age: 20, history: "poor", note: "new" }], path);
    expect(result.errors).toEqual([]);
    const nulls = validateRows({ features }, [{ income: null, age: 20, history: "poor" }], path);
    expect(nulls.errors).toEqual([{ field: "instances[0].income", message: "required" }]);
  });

  it("rejects non-object rows and ignores declared side fields", () => {
    expect(validateRows({ features }, [42], path).errors).toEqual([
      { field: "instances[0]", message: "must be an object of feature values" },
    ]);
    const side = validateRows(
      { features },
      [{ income: 1, age: 20, history: "poor", version_name: "v1" }],
      path,
      new Set(["version_name"]),
    );
    expect(side.errors).toEqual([]);
  });

  it("caps the listed errors and counts the rest", () => {
    const rows = Array.from({ length: 300 }, () => ({ income: -1, age: 20, history: "poor" }));
    const result = validateRows({ features }, rows, path);
    expect(result.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(result.omitted).toBe(300 - MAX_REPORTED_ERRORS);
  });
});
