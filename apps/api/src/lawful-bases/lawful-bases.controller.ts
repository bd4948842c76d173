import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, NationalOnly, Roles } from '@tiltas/access';
import { AddLawfulBasisResult, CoverageVerdict, LawfulBasisRecord, LawfulBasisService, PURPOSES, Purpose, RetireLawfulBasisResult } from '@tiltas/lawful-bases';
import { ArrayMaxSize, IsArray, IsIn, IsString, Matches } from 'class-validator';
import type { Response } from 'express';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { ADD_LAWFUL_BASIS_RESULT, COVERAGE_VERDICT, LAWFUL_BASIS, RETIRE_LAWFUL_BASIS_RESULT, listOf } from '../platform/api-schemas';

export class RetireLawfulBasisDto {
  @ApiProperty({ example: '2026-12-31', format: 'date', description: 'The last day the entry covers' })
  @IsString()
  validTo!: string;
}

export class CoverageCheckDto {
  @ApiProperty({ example: 'LB-NEET-2026' }) @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) lawfulBasisId!: string;
  @ApiProperty({ enum: PURPOSES }) @IsIn(PURPOSES as unknown as string[]) purpose!: Purpose;
  @ApiProperty({ example: ['population', 'prison'] }) @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) registers!: string[];
  @ApiProperty({ example: '2026-10-01', format: 'date' }) @IsString() date!: string;
}

/** The lawful-basis registry over HTTP: national administrators add and retire; coordinators, auditors and municipal administrators read and check. */
@ApiStandardErrors()
@ApiTags('lawful bases')
@Controller('api/lawful-bases')
export class LawfulBasesController {
  constructor(private readonly lawfulBases: LawfulBasisService) {}

  @Get()
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @ApiOperation({ summary: 'Every lawful basis, with its effective validity' })
  @ApiJsonResponse(200, 'The lawful bases', listOf(LAWFUL_BASIS))
  list(): Promise<LawfulBasisRecord[]> {
    return this.lawfulBases.list();
  }

  @Get(':id')
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @ApiOperation({ summary: 'One lawful basis' })
  @ApiJsonResponse(200, 'The lawful basis', LAWFUL_BASIS)
  @ApiErrorResponse(404, 'No such lawful basis')
  get(@Param('id') id: string): Promise<LawfulBasisRecord> {
    return this.lawfulBases.get(id);
  }

  @Post()
  @Roles('ADMIN')
  @NationalOnly('Registering a lawful basis')
  @ApiOperation({ summary: 'Add a lawful basis from its entry file (201 added, 200 identical entry exists, 400 each broken field, 409 a different entry has this id)' })
  @ApiBody({ description: 'The lawful-basis entry file of the register extract contract (spec/extracts.md)', schema: { type: 'object' } })
  @ApiJsonResponse(201, 'Added', ADD_LAWFUL_BASIS_RESULT)
  @ApiJsonResponse(200, 'An identical entry exists: nothing done', ADD_LAWFUL_BASIS_RESULT)
  @ApiErrorResponse(409, 'A different entry has this id')
  async add(@CurrentActor() actor: Actor, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<AddLawfulBasisResult> {
    const result = await this.lawfulBases.add(undefined, body, actor);
    res.status(result.status === 'ADDED' ? 201 : 200);
    return result;
  }

  @Post(':id/retire')
  @Roles('ADMIN')
  @NationalOnly('Retiring a lawful basis')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retire a lawful basis: it covers nothing after validTo' })
  @ApiJsonResponse(200, 'Retired, or already ending on that date', RETIRE_LAWFUL_BASIS_RESULT)
  @ApiErrorResponse(404, 'No such lawful basis')
  retire(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: RetireLawfulBasisDto): Promise<RetireLawfulBasisResult> {
    return this.lawfulBases.retire(id, body.validTo, actor);
  }

  @Post('coverage')
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @HttpCode(200)
  @ApiOperation({ summary: 'May this purpose read these registers on this date under this basis? Yes, or every reason not' })
  @ApiJsonResponse(200, 'Covered, or every reason not', COVERAGE_VERDICT)
  coverage(@Body() body: CoverageCheckDto): Promise<CoverageVerdict> {
    return this.lawfulBases.checkCoverage(body);
  }
}
