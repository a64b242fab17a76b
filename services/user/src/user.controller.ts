import { type AuthClaims, ApiZodBody, CurrentUser, JwtAuthGuard, ZodBody } from '@mesh/service-kit';
import { Controller, Get, HttpCode, Inject, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Profile } from './user.repository';
import { CompleteProfileBody, RegisterProfileBody } from './user.schemas';
import { type RegisteredProfile, type StatusView, UserService } from './user.service';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('users')
export class UserController {
  constructor(@Inject(UserService) private readonly users: UserService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register the caller’s profile and start the OnboardUser workflow' })
  @ApiZodBody(RegisterProfileBody)
  @ApiResponse({ status: 409, description: 'PROFILE_EXISTS' })
  @ApiResponse({ status: 503, description: 'WORKFLOW_ENGINE_UNAVAILABLE: nothing was stored' })
  register(@CurrentUser() user: AuthClaims, @ZodBody(RegisterProfileBody) body: RegisterProfileBody): Promise<RegisteredProfile> {
    return this.users.register(user.userId, user.email, body);
  }

  @Get('me')
  @ApiOperation({ summary: 'The caller’s profile' })
  @ApiResponse({ status: 404, description: 'PROFILE_NOT_REGISTERED' })
  me(@CurrentUser() user: AuthClaims): Promise<Profile> {
    return this.users.profile(user.userId);
  }

  @Put('me/profile')
  @ApiOperation({ summary: 'Complete the personal information; signals profileCompleted to the workflow' })
  @ApiZodBody(CompleteProfileBody)
  @ApiResponse({ status: 409, description: 'WORKFLOW_NOT_RUNNING' })
  completeProfile(@CurrentUser() user: AuthClaims, @ZodBody(CompleteProfileBody) body: CompleteProfileBody): Promise<Profile> {
    return this.users.completeProfile(user.userId, body);
  }

  @Get('me/status')
  @ApiOperation({ summary: 'Workflow status plus the approval decision; the last known decision marked stale when approval-service is unreachable' })
  status(@CurrentUser() user: AuthClaims): Promise<StatusView> {
    return this.users.status(user.userId);
  }
}
