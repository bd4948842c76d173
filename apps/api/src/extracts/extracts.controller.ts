import { Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiSeeOtherResponse, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { ExtractSummary, ExtractsQueryService, QuarantineListing, UploadsService, UploadView } from '@tiltas/registers';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { EXTRACT_SUMMARY, QUARANTINE_LISTING, UPLOAD_VIEW, listOf } from '../platform/api-schemas';
import { MANIFEST_MAX_BYTES, StoredPart, uploadDir } from './extracts-upload.storage';

type UploadParts = { csv?: StoredPart[]; manifest?: StoredPart[] };

/**
 * Register extracts for administrators: upload a delivery (multipart: `manifest` and `csv` files), poll
 * its status, list extracts, read a quarantine. The upload streams to storage and is ingested by the
 * worker; the response is the queued upload, whose `status` and `outcome` the client polls. A browser's
 * plain form post (no script: it asks for HTML) is sent on to the upload's page, which follows the ingest.
 */
@ApiStandardErrors()
@ApiTags('extracts')
@Controller('api/extracts')
@Roles('ADMIN')
export class ExtractsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uploads: UploadsService,
    private readonly extracts: ExtractsQueryService,
  ) {}

  @Post('uploads')
  @UseInterceptors(FileFieldsInterceptor([{ name: 'csv', maxCount: 1 }, { name: 'manifest', maxCount: 1 }]))
  @ApiOperation({ summary: 'Upload a delivery (the manifest and the CSV); the worker ingests it and the upload\'s status follows' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['manifest', 'csv'], properties: { manifest: { type: 'string', format: 'binary' }, csv: { type: 'string', format: 'binary' } } } })
  @ApiJsonResponse(201, 'Queued for ingest', UPLOAD_VIEW)
  @ApiSeeOtherResponse({ description: 'A browser form post (Accept: text/html) is sent on to the upload\'s page' })
  @ApiErrorResponse(413, 'A file is larger than allowed')
  async upload(
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @UploadedFiles() parts: UploadParts = {},
  ): Promise<UploadView | undefined> {
    const queued = await this.store(actor, parts);
    if (req.accepts(['json', 'html']) !== 'html') return queued;
    res.redirect(303, `/admin/extracts/uploads/${queued.id}`);
    return undefined;
  }

  private async store(actor: Actor, parts: UploadParts): Promise<UploadView> {
    const csv = parts.csv?.[0];
    const manifest = parts.manifest?.[0];
    try {
      const missing = [csv ? null : 'csv', manifest ? null : 'manifest'].filter((m) => m !== null);
      if (missing.length > 0) throw DomainError.validation(`the upload needs both files: missing ${missing.join(' and ')}`);
      if (manifest!.size > MANIFEST_MAX_BYTES) throw DomainError.validation(`the manifest is larger than ${MANIFEST_MAX_BYTES} bytes`);
      const register = registerNamed(await readFile(manifest!.path, 'utf8'));
      const id = randomUUID();
      const dir = uploadDir(this.config, id);
      await mkdir(dir, { recursive: true });
      const csvPath = join(dir, `${register}.csv`);
      const manifestPath = join(dir, `${register}.manifest.json`);
      await rename(csv!.path, csvPath);
      await rename(manifest!.path, manifestPath);
      return await this.uploads.enqueue({ id, register, csvPath, manifestPath, csvBytes: csv!.size, uploadedBy: actor.userId });
    } catch (err) {
      await Promise.all([csv, manifest].map((p) => (p ? rm(p.path, { force: true }) : undefined)));
      throw err;
    }
  }

  @Get('uploads')
  @ApiOperation({ summary: 'Uploads, newest first' })
  @ApiJsonResponse(200, 'The uploads', listOf(UPLOAD_VIEW))
  listUploads(): Promise<UploadView[]> {
    return this.uploads.list();
  }

  @Get('uploads/:id')
  @ApiOperation({ summary: 'One upload: its status and, once ingested, the outcome' })
  @ApiJsonResponse(200, 'The upload', UPLOAD_VIEW)
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiErrorResponse(404, 'No such upload')
  uploadStatus(@Param('id', new ParseUUIDPipe()) id: string): Promise<UploadView> {
    return this.uploads.get(id);
  }

  @Get()
  @ApiOperation({ summary: 'Extracts received, newest first' })
  @ApiQuery({ name: 'register', required: false, description: 'Only this register\'s extracts.', schema: { type: 'string', example: 'population' } })
  @ApiJsonResponse(200, 'The extracts', listOf(EXTRACT_SUMMARY))
  list(@Query('register') register?: string): Promise<ExtractSummary[]> {
    return this.extracts.list({ register });
  }

  @Get(':register/quarantine')
  @ApiOperation({ summary: 'The quarantined rows of a register\'s extract (the active one, or the one of a date): line, column and reason' })
  @ApiQuery({ name: 'asOf', required: false, description: 'The extract of this date; the active one when absent.', schema: { type: 'string', format: 'date' } })
  @ApiJsonResponse(200, 'The quarantine', QUARANTINE_LISTING)
  @ApiErrorResponse(404, 'No such register, or no extract of it at that date')
  quarantine(@Param('register') register: string, @Query('asOf') asOf?: string): Promise<QuarantineListing> {
    return this.extracts.quarantine(register, asOf);
  }
}

/**
 * The register the files are stored under: the manifest's `register` when it reads as a plain name, else
 * `unknown`. Validation proper is ingest's (which rejects a malformed manifest with its reasons).
 */
function registerNamed(manifestText: string): string {
  try {
    const register = (JSON.parse(manifestText) as { register?: unknown }).register;
    return typeof register === 'string' && /^[a-z_]{1,40}$/.test(register) ? register : 'unknown';
  } catch {
    return 'unknown';
  }
}
