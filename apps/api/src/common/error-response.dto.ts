import { ApiProperty } from '@nestjs/swagger';

export class FieldProblemDto {
  @ApiProperty({ example: 'inputs.persons' })
  field!: string;

  @ApiProperty({ example: 'must be a whole number of at least 1' })
  problem!: string;
}

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty({ example: 'validation-failed' })
  code!: string;

  @ApiProperty({ example: 'The request has 1 invalid field.' })
  message!: string;

  @ApiProperty({ type: [FieldProblemDto] })
  details!: FieldProblemDto[];

  @ApiProperty({ description: 'Quote it when reporting a problem; the server log has the full story.' })
  correlationId!: string;
}
