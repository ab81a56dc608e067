/**
 * The Standard Schema v1 interface (https://standardschema.dev), written out here so that crashsafe
 * validates with zod, valibot, arktype… through their `~standard` property without depending on
 * any of them. The types follow the published spec; only `validate` is called.
 */
import type { StateIssue } from "./errors.js";

/** A schema that implements Standard Schema v1. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace StandardSchemaV1 {
  /** The `~standard` property. */
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    /** Validates `value`; may return a promise (async schemas). */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
}

/** The outcome of {@link validateWith}: the schema's output, or its issues in crashsafe's form. */
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: StateIssue[] };

/**
 * Validates `value` with `schema`. Synchronous schemas give a synchronous result, so that a burst of
 * `set` calls is not spread over microtask turns; async schemas give a promise.
 */
export function validateWith<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Checked<T> | Promise<Checked<T>> {
  const result = schema["~standard"].validate(value);
  return result instanceof Promise ? result.then(toChecked) : toChecked(result);
}

function toChecked<T>(result: StandardSchemaV1.Result<T>): Checked<T> {
  if (result.issues === undefined) return { ok: true, value: result.value };
  return { ok: false, issues: result.issues.map((i) => ({ message: i.message, where: formatPath(i.path) })) };
}

/** `["fired", 2, {key: "id"}]` → `$.fired[2].id`. */
export function formatPath(path: StandardSchemaV1.Issue["path"]): string {
  let out = "$";
  for (const segment of path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
