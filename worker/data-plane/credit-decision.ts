import type { Manifest } from "../contracts/manifest.ts";
import { decisionThreshold } from "../tasks/binary-classification.ts";

type Language = "tr" | "en";

/** Within this distance of the threshold a decision is flagged for manual review. */
const REVIEW_MARGIN = 0.05;

const TEXTS: Record<
  "approved" | "review_approved" | "review_declined" | "declined",
  Record<Language, string>
> = {
  approved: { tr: "Başvuru onaylandı", en: "Application approved" },
  review_approved: {
    tr: "Başvuru onaylandı; skor eşiğe yakın, manuel inceleme önerilir",
    en: "Application approved; the score is close to the threshold, manual review recommended",
  },
  review_declined: {
    tr: "Başvuru reddedildi; skor eşiğe yakın, manuel inceleme önerilir",
    en: "Application declined; the score is close to the threshold, manual review recommended",
  },
  declined: { tr: "Başvuru reddedildi", en: "Application declined" },
};

/**
 * The seed's credit answer. `credit_score` is the model's approval probability; `confidence` is the
 * probability of the decision taken (p when approved, 1 - p when declined).
 */
export function creditDecision(manifest: Manifest, probability: number, language: Language) {
  const threshold = decisionThreshold(manifest);
  const approved = probability >= threshold;
  const nearThreshold = Math.abs(probability - threshold) < REVIEW_MARGIN;
  const key = approved
    ? nearThreshold
      ? "review_approved"
      : "approved"
    : nearThreshold
      ? "review_declined"
      : "declined";
  return {
    approved,
    credit_score: round(probability),
    confidence: round(approved ? probability : 1 - probability),
    recommendation: TEXTS[key][language],
  };
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;
