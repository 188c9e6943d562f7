export {
  PROBLEM_URN_PREFIX,
  PROBLEMS,
  type ProblemEntry,
  type ProblemName,
  problemTypeUri,
} from "./catalogue.ts";
export { DomainError, type DomainErrorInit, type FieldError } from "./domain-error.ts";
export * as problems from "./factories.ts";
export { fieldPath, zodFieldErrors } from "./zod-field-errors.ts";
