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
 * Confidence of the decision taken at `threshold`: the calibrated approval probability `p` re-weighted so
 * that the threshold is the break-even point, q = p(1 - t) / (p(1 - t) + (1 - p)t), and q for an approval,
 * 1 - q for a decline. Equivalently, of the expected cost of the two possible decisions (approving costs
 * (1 - p)·t, declining p·(1 - t) in the cost units that make t the Bayes threshold), the share the decision
 * taken avoids. It is 0.5 exactly at the threshold, above 0.5 for every decision taken, and equals p
 * (approve) or 1 - p (decline) when the threshold is 0.5.
 */
export function decisionConfidence(probability: number, threshold: number, approved: boolean): number {
  const approveWeight = probability * (1 - threshold);
  const declineWeight = (1 - probability) * threshold;
  const total = approveWeight + declineWeight;
  if (!(total > 0)) return 0.5;
  const q = approveWeight / total;
  return Math.max(0.5, approved ? q : 1 - q);
}

/**
 * The seed's credit answer. `credit_score` is the model's calibrated approval probability; `confidence`
 * is decisionConfidence: never below 0.5 for the decision taken (p or 1 - p could be, when the threshold
 * is not 0.5).
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
    confidence: round(decisionConfidence(probability, threshold, approved)),
    recommendation: TEXTS[key][language],
  };
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;
