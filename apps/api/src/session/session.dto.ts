import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_ID_LENGTH, TextField } from '../common/request-validators.js';

/** Who the caller is, as the verified access token says: what the console shows in its header. */
export class SessionDto {
  @ApiProperty({ example: 'dev.finance-bureau' })
  userId!: string;

  @ApiProperty({ example: '财政局（开发）' })
  name!: string;

  @ApiProperty({ type: [String], example: ['finance-bureau'] })
  roles!: string[];

  @ApiProperty({ example: 'zj-deqing', description: '`cn` is the national level: its users see every jurisdiction.' })
  jurisdiction!: string;

  @ApiPropertyOptional({ description: "For a vendor's staff: the organisation the token is bound to." })
  vendorId?: string;

  @ApiProperty({ description: 'When the token expires (ISO 8601).', example: '2027-03-01T12:00:00.000Z' })
  expiresAt!: string;
}

/** A development user the sign-in page offers (only on a server `npm start` runs). */
export class DevIdentityDto {
  @ApiProperty({ example: 'dev.finance-bureau' })
  userId!: string;

  @ApiProperty({ example: '财政局（开发）' })
  name!: string;

  @ApiProperty({ type: [String], example: ['finance-bureau'] })
  roles!: string[];

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiPropertyOptional({ description: "For a vendor's staff: the organisation the user works for." })
  vendorId?: string;

  @ApiPropertyOptional({ description: "The organisation's name, for a vendor's staff." })
  vendorName?: string;
}

export class DevIdentityListDto {
  @ApiProperty({ type: [DevIdentityDto] })
  items!: DevIdentityDto[];
}

export class DevSignInRequestDto {
  @TextField({ description: 'One of the development users GET /dev/identities lists.', example: 'dev.finance-bureau', maxLength: MAX_ID_LENGTH })
  userId!: string;
}

export class DevSignInDto {
  @ApiProperty({ description: 'An access token of the development user, for `Authorization: Bearer`.' })
  token!: string;

  @ApiProperty({ example: '2027-03-01T12:00:00.000Z' })
  expiresAt!: string;
}
