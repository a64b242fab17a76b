import { type AuthClaims, ApiZodBody, CurrentUser, JwtAuthGuard, ZodBody } from '@mesh/service-kit';
import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AccountView, AuthService, type MagicLinkIssued, type SessionView, type TokenGrant } from './auth.service';
import { Credentials, LoginRequest, MagicLinkRedemption, MagicLinkRequest } from './auth.schemas';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Post('register')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register credentials (the password is stored as an Argon2id hash)' })
  @ApiZodBody(Credentials)
  @ApiResponse({ status: 201, description: 'the account: userId, email, createdAt' })
  @ApiResponse({ status: 409, description: 'EMAIL_TAKEN' })
  register(@ZodBody(Credentials) body: Credentials): Promise<AccountView> {
    return this.auth.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in; opens a session and returns a signed JWT (HS256, shared JWT_SECRET)' })
  @ApiZodBody(LoginRequest)
  @ApiResponse({ status: 200, description: 'accessToken, tokenType, expiresIn, expiresAt, sessionId, userId' })
  @ApiResponse({ status: 401, description: 'INVALID_CREDENTIALS' })
  login(@ZodBody(LoginRequest) body: LoginRequest): Promise<TokenGrant> {
    return this.auth.login(body);
  }

  @Post('magic-links')
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue a one-time login token; e-mail is simulated, so the token is in the response' })
  @ApiZodBody(MagicLinkRequest)
  @ApiResponse({ status: 404, description: 'UNKNOWN_ACCOUNT' })
  issueMagicLink(@ZodBody(MagicLinkRequest) body: MagicLinkRequest): Promise<MagicLinkIssued> {
    return this.auth.issueMagicLink(body.email);
  }

  @Post('magic-links/redeem')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a magic link token (once) for a session and JWT' })
  @ApiZodBody(MagicLinkRedemption)
  @ApiResponse({ status: 401, description: 'INVALID_MAGIC_LINK' })
  @ApiResponse({ status: 410, description: 'MAGIC_LINK_USED or MAGIC_LINK_EXPIRED' })
  redeem(@ZodBody(MagicLinkRedemption) body: MagicLinkRedemption): Promise<TokenGrant> {
    return this.auth.redeemMagicLink(body.token);
  }

  @Get('session')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The session behind the presented token (401 SESSION_ENDED after logout)' })
  session(@CurrentUser() user: AuthClaims): Promise<SessionView> {
    return this.auth.currentSession(user.userId, user.sessionId);
  }

  @Get('sessions')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'All sessions of the caller' })
  sessions(@CurrentUser() user: AuthClaims): Promise<SessionView[]> {
    return this.auth.listSessions(user.userId);
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End the session behind the presented token' })
  logout(@CurrentUser() user: AuthClaims): Promise<void> {
    return this.auth.logout(user.userId, user.sessionId);
  }
}
