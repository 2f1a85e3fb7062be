import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** SailPoint's `ErrorMessageDto`. */
export class ErrorMessageDto {
  @ApiProperty({
    description: 'The locale for the message text, a BCP 47 language tag.',
    example: 'en-US',
    nullable: true,
    type: String,
  })
  locale: string | null;

  @ApiProperty({
    description:
      'An indicator of how the locale was selected. *DEFAULT* means the locale is the system default. *REQUEST* means the locale was selected from the request context (i.e., best match based on the *Accept-Language* header). Additional values may be added in the future without notice.',
    enum: ['DEFAULT', 'REQUEST', null],
    enumName: 'LocaleOrigin',
    example: 'DEFAULT',
    nullable: true,
  })
  localeOrigin: 'DEFAULT' | 'REQUEST' | null;

  @ApiProperty({
    description: 'Actual text of the error message in the indicated locale.',
    example: 'The request was syntactically correct but its content is semantically invalid.',
  })
  text: string;
}

/** SailPoint's `ErrorResponseDto`. */
export class ErrorResponseDto {
  @ApiProperty({
    description: 'Fine-grained error code providing more detail of the error.',
    example: '400.1 Bad Request Content',
  })
  detailCode: string;

  @ApiProperty({ description: 'Unique tracking id for the error.', example: 'e7eab60924f64aa284175b9fa3309599' })
  trackingId: string;

  @ApiProperty({ description: 'Generic localized reason for error', type: [ErrorMessageDto] })
  messages: ErrorMessageDto[];

  @ApiProperty({
    description:
      'Plain-text descriptive reasons to provide additional detail to the text provided in the messages field',
    type: [ErrorMessageDto],
  })
  causes: ErrorMessageDto[];
}

/** The 401 body. */
export class UnauthorizedErrorDto {
  @ApiPropertyOptional({
    description: 'A message describing the error',
    example: 'JWT validation failed: JWT is expired',
  })
  error: string;
}

/** The 429 body. */
export class RateLimitErrorDto {
  @ApiPropertyOptional({ description: 'A message describing the error', example: ' Rate Limit Exceeded ' })
  message: string;
}
