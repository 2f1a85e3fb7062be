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
      return this.body.transform(value, metadata);
    }
    return this.other.transform(value, metadata);
  }
}
