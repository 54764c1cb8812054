import { Body, Controller, Get, HttpCode, NotFoundException, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { decodeJwt } from 'jose';
import { ApiAuthenticated, CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../auth/authenticated-request.js';
import { ApiErrors } from '../common/api-errors.js';
import type { Identity } from '../../../../src/identity/identity.js';
import { DevSignIn } from './dev-sign-in.js';
import { DevIdentityListDto, DevSignInDto, DevSignInRequestDto, SessionDto } from './session.dto.js';

const DEV_SIGN_IN_OFF = 'development sign-in is off: only a server started by `npm start` offers development users; bring an access token from your identity provider';

@ApiTags('session')
@Controller()
export class SessionController {
  constructor(private readonly devSignIn: DevSignIn) {}

  @Get('session')
  @ApiAuthenticated()
  @ApiOperation({ summary: 'Who the access token says the caller is: user, roles, jurisdiction, vendor and expiry.' })
  @ApiOkResponse({ type: SessionDto })
  session(@CurrentUser() user: Identity, @Req() request: AuthenticatedRequest): SessionDto {
    return {
      userId: user.userId,
      name: user.name,
      roles: [...user.roles],
      jurisdiction: user.jurisdiction,
      ...(user.vendorId ? { vendorId: user.vendorId } : {}),
      expiresAt: tokenExpiry(request),
    };
  }

  @Get('dev/identities')
  @Public()
  @ApiOperation({ summary: 'The development users a sign-in page offers; only on a server started by `npm start`.' })
  @ApiOkResponse({ type: DevIdentityListDto })
  @ApiErrors({ notFound: 'This server offers no development users (it is not the development stack).' })
  identities(): DevIdentityListDto {
    if (!this.devSignIn.enabled) throw new NotFoundException(DEV_SIGN_IN_OFF);
    return {
      items: this.devSignIn.list().map(({ identity, vendorName }) => ({
        userId: identity.userId,
        name: identity.name,
        roles: [...identity.roles],
        jurisdiction: identity.jurisdiction,
        ...(identity.vendorId ? { vendorId: identity.vendorId } : {}),
        ...(vendorName ? { vendorName } : {}),
      })),
    };
  }

  @Post('dev/sign-in')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Signs in as a development user: answers its access token. Only on a server started by `npm start`.' })
  @ApiOkResponse({ type: DevSignInDto })
  @ApiErrors({
    notFound: 'This server offers no development users, or none with this user id.',
    unprocessable: 'userId is missing or malformed.',
  })
  signIn(@Body() body: DevSignInRequestDto): DevSignInDto {
    if (!this.devSignIn.enabled) throw new NotFoundException(DEV_SIGN_IN_OFF);
    const credential = this.devSignIn.find(body.userId);
    if (!credential) throw new NotFoundException(`no development user "${body.userId}": GET /dev/identities lists them`);
    return { token: credential.token, expiresAt: credential.expiresAt.toISOString() };
  }
}

/** The `exp` of the caller's token; the guard has verified it already, so it is only read here. */
function tokenExpiry(request: AuthenticatedRequest): string {
  const token = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
  const { exp } = decodeJwt(token);
  return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : '';
}
