import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A validation rule written as one function: it returns the cause text when the value is
 * invalid, `undefined` when it is valid. One rule per field gives exactly one cause per
 * offending field, with a message that names the field and what was wrong.
 */
export function Check(name: string, problem: (value: unknown) => string | undefined, options?: ValidationOptions) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => problem(args?.value) ?? `${args?.property ?? 'value'} is invalid.`,
      },
    },
    options,
  );
}

/** `"x"` for strings, the JSON of anything else: for quoting what the client sent. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
