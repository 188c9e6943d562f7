export {
  PROBLEMS,
  problemTypeUri,
} from "./catalogue.ts";
export { DomainError, type FieldError } from "./domain-error.ts";
export * as problems from "./factories.ts";
export { zodFieldErrors } from "./zod-field-errors.ts";
