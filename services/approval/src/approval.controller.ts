import { ApiZodBody, type CreditScoreResponse, type DecisionRecord, type EligibilityResponse, ZodBody } from '@mesh/service-kit';
import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { z } from 'zod';
import { ApprovalService } from './approval.service';
import { CreditScoreBody, DecisionBody, EligibilityBody } from './approval.schemas';

/** Called inside the mesh (workflow activities, user-service) through Envoy; not exposed by the gateway. */
@ApiTags('approval')
@Controller()
export class ApprovalController {
  constructor(@Inject(ApprovalService) private readonly approval: ApprovalService) {}

  @Post('eligibility')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check the eligibility rules for a profile and its uploaded document kinds' })
  @ApiZodBody(EligibilityBody)
  eligibility(@ZodBody(EligibilityBody) body: z.infer<typeof EligibilityBody>): EligibilityResponse {
    return this.approval.eligibility(body);
  }

  @Post('credit-scores')
  @HttpCode(200)
  @ApiOperation({ summary: 'Simulated credit score: 50-300 ms latency and occasional 503s (CREDIT_SCORE_FAILURE_RATE)' })
  @ApiZodBody(CreditScoreBody)
  @ApiResponse({ status: 503, description: 'CREDIT_BUREAU_UNAVAILABLE: retry' })
  creditScore(@ZodBody(CreditScoreBody) body: z.infer<typeof CreditScoreBody>): Promise<CreditScoreResponse> {
    return this.approval.creditScore(body.userId);
  }

  @Post('decisions')
  @ApiOperation({ summary: 'Record a decision (201); repeating the current one answers 200 without a new record' })
  @ApiZodBody(DecisionBody)
  async recordDecision(@ZodBody(DecisionBody) body: DecisionBody, @Res({ passthrough: true }) res: Response): Promise<DecisionRecord> {
    const { record, created } = await this.approval.recordDecision(body);
    res.status(created ? 201 : 200);
    return record;
  }

  @Get('decisions/:userId')
  @ApiOperation({ summary: 'The current (latest) decision for a user' })
  @ApiResponse({ status: 404, description: 'NO_DECISION' })
  decision(@Param('userId') userId: string): Promise<DecisionRecord> {
    return this.approval.decision(userId);
  }

  @Get('decisions/:userId/history')
  @ApiOperation({ summary: 'Every decision recorded for a user, oldest first' })
  history(@Param('userId') userId: string): Promise<DecisionRecord[]> {
    return this.approval.history(userId);
  }
}
