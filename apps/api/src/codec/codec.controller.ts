import { Body, Controller, Get, Header, Headers, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../../../src/config/config.js';
import { InvalidTokenError, verifyAccessToken } from '../../../../src/identity/access-tokens.js';
import type { Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { ACCESS_TOKEN_SECRET, APP_CONFIG } from '../common/injection-tokens.js';
import { cookieValue } from './codec-http.middleware.js';
import { type CodecSessionState, renderCodecSessionPage } from './codec-session.page.js';
import { CODEC_SESSION_COOKIE, CodecService, codecRefusal } from './codec.service.js';
import { CodecPayloadsDto, CodecSessionDto } from './codec.dto.js';

const SESSION_PAGE = '/codec/session';
/** The page is plain HTML with a form: nothing may run in it, frame it, or post it elsewhere. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const NAMESPACE_HEADER = {
  name: 'X-Namespace',
  required: false,
  description: 'The Temporal namespace the payloads come from, as the Web UI and the Temporal CLI send it; only the configured one is served.',
} as const;

const MAY_NOT_DECODE = 'The caller is not a national (cn) user holding the role ops or administrator, or the X-Namespace is another namespace.';

@ApiTags('codec')
@ApiAuthenticated()
@Controller('codec')
export class CodecController {
  constructor(private readonly codec: CodecService) {}

  @Post('decode')
  @HttpCode(HttpStatus.OK)
  @ApiErrors({
    forbidden: MAY_NOT_DECODE,
  })
  @ApiOperation({
    summary: 'Decrypt workflow payloads for the Temporal Web UI or CLI (Temporal codec-server protocol).',
    description:
      'For national users holding the role `ops` or `administrator`. Takes the access token from the Authorization header or, for a browser, ' +
      'from the session cookie set by POST /codec/session. Payloads that are not encrypted come back unchanged. Pages of the origins in ' +
      'PROCUREFLOW_CODEC_ORIGINS may call it (CORS with credentials).',
  })
  @ApiHeader(NAMESPACE_HEADER)
  @ApiOkResponse({ type: CodecPayloadsDto, description: 'The payloads decrypted, in the same order.' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'A payload is malformed, or cannot be decrypted (a key this installation lacks, or altered data); `details` names each one.',
  })
  decode(@Body() body: CodecPayloadsDto, @Headers('x-namespace') namespace: string | undefined, @CurrentUser() user: Identity): Promise<CodecPayloadsDto> {
    return this.codec.decode(user, namespace, body);
  }

  @Post('encode')
  @HttpCode(HttpStatus.OK)
  @ApiErrors({
    forbidden: MAY_NOT_DECODE,
  })
  @ApiOperation({
    summary: 'Encrypt payloads with the active key, for input the Web UI or CLI sends to a workflow (Temporal codec-server protocol).',
    description: 'Same access rules as POST /codec/decode.',
  })
  @ApiHeader(NAMESPACE_HEADER)
  @ApiOkResponse({ type: CodecPayloadsDto, description: 'The payloads encrypted, in the same order.' })
  @ApiErrors({
    unprocessable: 'A payload is malformed.',
  })
  encode(@Body() body: CodecPayloadsDto, @Headers('x-namespace') namespace: string | undefined, @CurrentUser() user: Identity): Promise<CodecPayloadsDto> {
    return this.codec.encode(user, namespace, body);
  }

}

/**
 * Signing a browser in for the Web UI's codec requests. The Web UI of a dev server has no login whose
 * token it could forward, so the browser keeps the person's token in a cookie the codec routes accept.
 */
@ApiTags('codec')
@Controller('codec/session')
export class CodecSessionController {
  constructor(
    private readonly codec: CodecService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_TOKEN_SECRET) private readonly secret: string,
  ) {}

  @Get()
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', PAGE_POLICY)
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'A page to sign this browser in for the Web UI’s codec requests, showing who is signed in.' })
  @ApiOkResponse({ description: 'The sign-in page (HTML).', schema: { type: 'string' } })
  async sessionPage(@Req() request: Request): Promise<string> {
    return renderCodecSessionPage(await this.sessionState(request), {
      codecEndpoint: `${request.protocol}://${request.get('host') ?? 'localhost'}/codec`,
      webUiOrigins: this.config.codecOrigins,
    });
  }

  @Post()
  @HttpCode(HttpStatus.SEE_OTHER)
  @Header('Location', SESSION_PAGE)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: CodecSessionDto })
  @ApiOperation({
    summary: 'Sign this browser in for the Web UI’s codec requests: keeps the token in a cookie sent only to /codec.',
    description:
      'The token comes in the body (a form field or JSON), not the Authorization header, and must be one that may decode. The cookie is ' +
      'HttpOnly, SameSite=Strict, limited to the path /codec and lasts as long as the token.',
  })
  @ApiResponse({ status: HttpStatus.SEE_OTHER, description: 'Signed in: the cookie is set; see the sign-in page.' })
  @ApiErrors({
    unauthorized: 'No token in the body, or one that is expired, malformed or signed with another secret.',
    forbidden: 'The token is not of a national (cn) user holding the role ops or administrator.',
    unprocessable: 'The body carries no token, or more than one.',
  })
  signIn(@Body() body: CodecSessionDto, @CurrentUser() user: Identity, @Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    const token = body.token.trim();
    const ends = this.codec.sessionEnd(user, token);
    response.cookie(CODEC_SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/codec',
      secure: request.secure,
      maxAge: Math.max(0, ends.getTime() - Date.now()),
    });
  }

  @Post('end')
  @Public()
  @HttpCode(HttpStatus.SEE_OTHER)
  @Header('Location', SESSION_PAGE)
  @ApiOperation({ summary: 'Sign this browser out of codec requests: the session cookie is removed.' })
  @ApiResponse({ status: HttpStatus.SEE_OTHER, description: 'Signed out; see the sign-in page.' })
  signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    response.clearCookie(CODEC_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/codec', secure: request.secure });
  }

  private async sessionState(request: Request): Promise<CodecSessionState> {
    const token = cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE);
    if (!token) return { kind: 'none' };
    let user: Identity;
    try {
      user = await verifyAccessToken(token, this.secret);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      return { kind: 'refused', reason: `The saved token is no longer valid: ${error.message}. Sign in again.` };
    }
    const refusal = codecRefusal(user);
    if (refusal) return { kind: 'refused', reason: refusal };
    return { kind: 'signedIn', user, expiresAt: this.codec.sessionEnd(user, token) };
  }
}
