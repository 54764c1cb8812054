import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblemDto {
  @ApiProperty({ example: 'inputs.persons' })
  field!: string;

  @ApiProperty({ example: 'must be a whole number of at least 1' })
  problem!: string;
}

/** A problem in a definition file, located for the person who has to fix it. */
export class DiagnosticDto {
  @ApiProperty({ description: 'Id of the rule the file breaks.', example: 'PF-CAL-RANGE' })
  ruleId!: string;

  @ApiProperty({ example: 'the holiday 元旦 ends on 2026-01-01, before it starts on 2026-01-03' })
  message!: string;

  @ApiProperty({ description: 'The file name as submitted.', example: 'definitions/calendars/cn-2026.yaml' })
  file!: string;

  @ApiProperty({ description: '1-based line.', example: 12 })
  line!: number;

  @ApiProperty({ description: '1-based column.', example: 9 })
  column!: number;

  @ApiProperty({ description: 'Path of the offending value inside the document.', example: 'holidays[0].to' })
  path!: string;

  @ApiProperty({ enum: ['error'] })
  severity!: 'error';
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

  @ApiPropertyOptional({ type: [DiagnosticDto], description: 'Only when submitted definition files do not compile: every problem, located.' })
  diagnostics?: DiagnosticDto[];
}
