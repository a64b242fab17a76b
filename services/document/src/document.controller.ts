import { type AuthClaims, CurrentUser, JwtAuthGuard, ZodBody } from '@mesh/service-kit';
import { Controller, Get, HttpCode, Inject, Param, Post, UploadedFile, UseGuards, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type DocumentDetail, DocumentService, type DocumentView, type UploadedFile as UploadedDocument } from './document.service';
import { UploadFields } from './document.schemas';
import { UploadLimitsInterceptor } from './upload-limits.interceptor';

@ApiTags('documents')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('documents')
export class DocumentController {
  constructor(@Inject(DocumentService) private readonly documents: DocumentService) {}

  @Post()
  @HttpCode(202)
  // Multer's limits come from MulterModule in DocumentModule (DOCUMENT_MAX_BYTES).
  @UseInterceptors(UploadLimitsInterceptor, FileInterceptor('file'))
  @ApiOperation({ summary: 'Upload an ID, income or tax document (PDF, PNG or JPEG by content; size-limited); processing continues asynchronously' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'kind'],
      properties: { file: { type: 'string', format: 'binary' }, kind: { type: 'string', enum: ['id', 'income', 'tax'] } },
    },
  })
  @ApiResponse({ status: 202, description: 'stored; status "received", then scanning, ocr, (review,) accepted or rejected' })
  @ApiResponse({ status: 413, description: 'FILE_TOO_LARGE' })
  @ApiResponse({ status: 415, description: 'UNSUPPORTED_DOCUMENT_TYPE or CONTENT_TYPE_MISMATCH' })
  upload(@CurrentUser() user: AuthClaims, @ZodBody(UploadFields) fields: UploadFields, @UploadedFile() file: UploadedDocument | undefined): Promise<DocumentView> {
    return this.documents.upload(user.userId, fields, file);
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s documents' })
  list(@CurrentUser() user: AuthClaims): Promise<DocumentView[]> {
    return this.documents.list(user.userId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of the caller’s documents with the history of its steps' })
  detail(@CurrentUser() user: AuthClaims, @Param('id') id: string): Promise<DocumentDetail> {
    return this.documents.detail(user.userId, id);
  }
}
