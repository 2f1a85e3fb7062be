import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { BadRequestError } from '../errors/domain-error';

/** The 400 causes the pipe writes itself (also the documented examples). */
export const unknownProperty = (path: string) => `Unknown property '${path}': it is not part of the request schema.`;
export const BODY_NOT_AN_OBJECT = 'The request body must be a JSON object.';

/** One human cause per offending field, in the order class-validator reports them. */
export function causesOf(errors: ValidationError[], parent = ''): string[] {
  const causes: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    if (constraints.whitelistValidation) {
      causes.push(unknownProperty(path));
    } else if (Object.keys(constraints).length > 0) {
      causes.push(Object.values(constraints)[0]);
    }
    if (error.children?.length) causes.push(...causesOf(error.children, path));
  }
  return causes;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Limits on the shape of a request body, checked before class-transformer sees it. Bodies of
 * this API are one object of six properties holding strings and one array; the limits only
 * keep hostile shapes away from code that is not built for them: recursion (a stack overflow
 * on `{"name":[[[[…]]]]}` a million levels deep) and class-transformer's cost, which grows
 * with the square of an object's property count (a body of 80,000 unknown properties, 870 KB,
 * held the event loop for seconds and was answered with 80,000 causes, 9 MB).
 */
export const MAX_BODY_DEPTH = 32;
export const MAX_OBJECT_PROPERTIES = 100;

/** The first limit `value` breaks, as a cause, measured without recursion; undefined if none. */
export function bodyShapeProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_BODY_DEPTH)
      return `The request body nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep.`;
    const children = Object.values(node);
    if (!Array.isArray(node) && children.length > MAX_OBJECT_PROPERTIES) {
      return `The request body has an object with ${children.length} properties; at most ${MAX_OBJECT_PROPERTIES} are accepted.`;
    }
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

const common = {
  transform: true,
  whitelist: true,
  stopAtFirstError: true,
  validationError: { target: false, value: true },
  exceptionFactory: (errors: ValidationError[]) => new BadRequestError(causesOf(errors)),
} as const;

/**
 * The global validation pipe. Bodies are strict: a non-object body or an unknown property is a
 * 400 naming it. Query strings are lenient about unknown parameters (SailPoint ignores them,
 * and clients such as the SDKs may send their own), but strict about the known ones.
 */
@Injectable()
export class ApiValidationPipe implements PipeTransform {
  private readonly body = new ValidationPipe({ ...common, forbidNonWhitelisted: true, forbidUnknownValues: true });
  private readonly other = new ValidationPipe({ ...common, forbidNonWhitelisted: false });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (!isPlainObject(value)) throw new BadRequestError(BODY_NOT_AN_OBJECT);
      const shapeProblem = bodyShapeProblem(value);
      if (shapeProblem) throw new BadRequestError(shapeProblem);
      return this.body.transform(value, metadata);
    }
    return this.other.transform(value, metadata);
  }
}
