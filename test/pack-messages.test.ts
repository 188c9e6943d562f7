import { describe, expect, it } from "vitest";
import {
  MAX_MESSAGE_BYTES,
  MAX_SEND_BYTES,
  MAX_SEND_MESSAGES,
  packMessages,
} from "../worker/monitoring/pack-messages.ts";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe("packMessages", () => {
  it("keeps every item, in order, within the message and sendBatch limits", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({
      id: `row-${i}`,
      inputs: { note: "ç".repeat(i % 300) },
    }));
    const calls = packMessages(items);
    expect(calls.flat(2)).toEqual(items);
    for (const call of calls) {
      expect(call.length).toBeLessThanOrEqual(MAX_SEND_MESSAGES);
      expect(call.reduce((sum, body) => sum + bytes(body), 0)).toBeLessThanOrEqual(MAX_SEND_BYTES);
      for (const body of call) expect(bytes(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    expect(calls.flat().length).toBeLessThan(items.length / 50);
  });

  it("sends one small message for one row and nothing for none", () => {
    expect(packMessages([{ id: "a" }])).toEqual([[[{ id: "a" }]]]);
    expect(packMessages([])).toEqual([]);
  });

  it("caps a call at 100 messages even when they are small", () => {
    const items = Array.from({ length: 150 }, (_, i) => ({ id: i, pad: "x".repeat(MAX_MESSAGE_BYTES / 2) }));
    const calls = packMessages(items);
    expect(calls.flat(2)).toHaveLength(150);
    expect(calls.every((call) => call.reduce((sum, body) => sum + bytes(body), 0) <= MAX_SEND_BYTES)).toBe(
      true,
    );
  });
});
