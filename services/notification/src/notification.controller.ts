import { ApiError, type AuthClaims, ApiZodBody, CurrentUser, JwtAuthGuard, type NotificationRecord, ZodBody, ZodQuery } from '@mesh/service-kit';
import { Controller, Get, Headers, HttpCode, HttpStatus, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type NotificationDetail, NotificationService } from './notification.service';
import { NotificationBody, NotificationQuery, type NotificationQueryParams } from './notification.schemas';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationController {
  constructor(@Inject(NotificationService) private readonly notifications: NotificationService) {}

  /** Called inside the mesh (workflow activities); the gateway does not route POSTs here. */
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a notification; an in-process worker delivers it over the (simulated) channel' })
  @ApiZodBody(NotificationBody)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A repeated key returns the first notification instead of sending again' })
  @ApiResponse({ status: 202, description: 'the queued notification (or the one first queued under this Idempotency-Key)' })
  async accept(@ZodBody(NotificationBody) body: NotificationBody, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response): Promise<NotificationRecord> {
    if (key !== undefined && (key.length === 0 || key.length > 200)) throw new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Idempotency-Key must have 1 to 200 characters.');
    const { record, created } = await this.notifications.accept(body, key);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    return record;
  }

  @Get()
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiQuery({ name: 'userId', required: false, description: 'must be the caller (default)' })
  @ApiOperation({ summary: 'The caller’s notifications and their delivery status' })
  @ApiResponse({ status: 403, description: 'FORBIDDEN: userId names someone else' })
  list(@CurrentUser() user: AuthClaims, @ZodQuery(NotificationQuery) query: NotificationQueryParams): Promise<NotificationRecord[]> {
    const userId = query.userId ?? user.userId;
    if (userId !== user.userId) throw new ApiError(HttpStatus.FORBIDDEN, 'FORBIDDEN', 'A token only lists its own user’s notifications; drop userId or use that user’s token.');
    return this.notifications.listByUser(userId);
  }

  @Get(':id')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'One notification with every delivery attempt' })
  detail(@CurrentUser() user: AuthClaims, @Param('id') id: string): Promise<NotificationDetail> {
    return this.notifications.detail(id, user.userId);
  }
}
