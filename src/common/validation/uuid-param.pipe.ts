import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../errors/domain-error';
import { shown } from './check.decorator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 400 cause for a path parameter that is not a UUID (also used as the documented example). */
export const notAUuid = (name: string, value: unknown): string =>
  `Path parameter '${name}' must be a UUID (got ${shown(value)}).`;

/** A path id must be a UUID; it is compared in lower case. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new BadRequestError(notAUuid(metadata.data ?? 'id', value));
    }
    return value.toLowerCase();
  }
}
