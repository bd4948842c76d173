import { Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiSeeOtherResponse, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, NationalOnly, Roles } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import { ExtractSummary, ExtractsQueryService, QuarantineListing, UploadsService, UploadStorage, UploadView } from '@tiltas/registers';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { EXTRACT_SUMMARY, QUARANTINE_LISTING, UPLOAD_VIEW, listOf } from '../platform/api-schemas';
import { StoredPart } from './extracts-upload.storage';

type UploadParts = { csv?: StoredPart[]; manifest?: StoredPart[] };

/**
 * Register extracts for administrators: upload a delivery (multipart: `manifest` and `csv` files), poll
 * its status, list extracts, read a quarantine. The upload streams to storage and is ingested by the
 * worker; the response is the queued upload, whose `status` and `outcome` the client polls. A browser's
 * plain form post (no script: it asks for HTML) is sent on to the upload's page, which follows the ingest.
 * Receiving extracts and reading a quarantine are national matters; a municipal administrator lists the
 * extracts (no personal data) and the uploads their municipality's users sent.
 */
@ApiStandardErrors()
@ApiTags('extracts')
@Controller('api/extracts')
@Roles('ADMIN')
export class ExtractsController {
  constructor(
    private readonly storage: UploadStorage,
    private readonly uploads: UploadsService,
    private readonly extracts: ExtractsQueryService,
  ) {}

  @Post('uploads')
  @NationalOnly('Receiving register extracts')
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
    let id: string | null = null;
    try {
      this.uploads.assertMayUpload(actor);
      const missing = [csv ? null : 'csv', manifest ? null : 'manifest'].filter((m) => m !== null);
      if (missing.length > 0) throw DomainError.validation(`the upload needs both files: missing ${missing.join(' and ')}`);
      const register = registerNamed(await readFile(manifest!.path, 'utf8'));
      id = randomUUID();
      const dir = await this.storage.createUploadDir(id);
      const csvPath = join(dir, `${register}.csv`);
      const manifestPath = join(dir, `${register}.manifest.json`);
      await rename(csv!.path, csvPath);
      await rename(manifest!.path, manifestPath);
      return await this.uploads.enqueue({ id, register, csvPath, manifestPath, csvBytes: csv!.size, uploadedBy: actor.userId }, actor);
    } catch (err) {
      // Nothing of a refused upload stays: the parts where they arrived, or the folder they were moved to.
      await Promise.all([csv, manifest].map((p) => (p ? rm(p.path, { force: true }) : undefined)));
      if (id) await this.storage.removeUpload(id);
      throw err;
    }
  }

  @Get('uploads')
  @ApiOperation({ summary: 'Uploads, newest first (a municipal administrator sees none but their own)' })
  @ApiJsonResponse(200, 'The uploads', listOf(UPLOAD_VIEW))
  listUploads(@CurrentActor() actor: Actor): Promise<UploadView[]> {
    return this.uploads.list(100, actor);
  }

  @Get('uploads/:id')
  @ApiOperation({ summary: 'One upload: its status and, once ingested, the outcome' })
  @ApiJsonResponse(200, 'The upload', UPLOAD_VIEW)
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiErrorResponse(404, 'No such upload')
  uploadStatus(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string): Promise<UploadView> {
    return this.uploads.get(id, actor);
  }

  @Get()
  @ApiOperation({ summary: 'Extracts received, newest first' })
  @ApiQuery({ name: 'register', required: false, description: 'Only this register\'s extracts.', schema: { type: 'string', example: 'population' } })
  @ApiJsonResponse(200, 'The extracts', listOf(EXTRACT_SUMMARY))
  list(@Query('register') register?: string): Promise<ExtractSummary[]> {
    return this.extracts.list({ register });
  }

  @Get(':register/quarantine')
  @NationalOnly('Reading a register quarantine')
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
