import { ApiZodBody, ZodBody } from '@mesh/service-kit';
import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DocumentService, type DocumentView } from './document.service';
import { ReviewBody } from './document.schemas';

/** The human review step, for back-office reviewers inside the mesh; the gateway does not route /reviews. */
@ApiTags('reviews')
@Controller('reviews')
export class ReviewController {
  constructor(@Inject(DocumentService) private readonly documents: DocumentService) {}

  @Get()
  @ApiOperation({ summary: 'Documents waiting for human review' })
  pending(): Promise<DocumentView[]> {
    return this.documents.pendingReviews();
  }

  @Post(':documentId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept (signals the workflow) or reject a document waiting for review' })
  @ApiZodBody(ReviewBody)
  @ApiResponse({ status: 409, description: 'NOT_IN_REVIEW' })
  review(@Param('documentId') documentId: string, @ZodBody(ReviewBody) body: ReviewBody): Promise<DocumentView> {
    return this.documents.review(documentId, body.decision, body.note);
  }
}
