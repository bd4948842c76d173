import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, NationalOnly, Roles } from '@tiltas/access';
import { AddLawfulBasisResult, CoverageVerdict, LawfulBasisRecord, LawfulBasisService, PURPOSES, Purpose, RetireLawfulBasisResult } from '@tiltas/lawful-bases';
import { ArrayMaxSize, IsArray, IsIn, IsString, Matches } from 'class-validator';
import type { Response } from 'express';

export class RetireLawfulBasisDto {
  @ApiProperty({ example: '2026-12-31', description: 'The last day the entry covers' })
  @IsString()
  validTo!: string;
}

export class CoverageCheckDto {
  @ApiProperty({ example: 'LB-NEET-2026' }) @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) lawfulBasisId!: string;
  @ApiProperty({ enum: PURPOSES }) @IsIn(PURPOSES as unknown as string[]) purpose!: Purpose;
  @ApiProperty({ example: ['population', 'prison'] }) @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) registers!: string[];
  @ApiProperty({ example: '2026-10-01' }) @IsString() date!: string;
}

/** The lawful-basis registry over HTTP: national administrators add and retire; coordinators, auditors and municipal administrators read and check. */
@ApiTags('lawful bases')
@ApiBearerAuth()
@Controller('api/lawful-bases')
export class LawfulBasesController {
  constructor(private readonly lawfulBases: LawfulBasisService) {}

  @Get()
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @ApiOperation({ summary: 'Every lawful basis, with its effective validity' })
  list(): Promise<LawfulBasisRecord[]> {
    return this.lawfulBases.list();
  }

  @Get(':id')
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @ApiOperation({ summary: 'One lawful basis' })
  get(@Param('id') id: string): Promise<LawfulBasisRecord> {
    return this.lawfulBases.get(id);
  }

  @Post()
  @Roles('ADMIN')
  @NationalOnly('Registering a lawful basis')
  @ApiOperation({ summary: 'Add a lawful basis from its entry file (201 added, 200 identical entry exists, 400 each broken field, 409 a different entry has this id)' })
  @ApiBody({ description: 'The lawful-basis entry file of shared/spec/extracts.md', schema: { type: 'object' } })
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
  retire(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: RetireLawfulBasisDto): Promise<RetireLawfulBasisResult> {
    return this.lawfulBases.retire(id, body.validTo, actor);
  }

  @Post('coverage')
  @Roles('ADMIN', 'AUDITOR', 'COORDINATOR')
  @HttpCode(200)
  @ApiOperation({ summary: 'May this purpose read these registers on this date under this basis? Yes, or every reason not' })
  coverage(@Body() body: CoverageCheckDto): Promise<CoverageVerdict> {
    return this.lawfulBases.checkCoverage(body);
  }
}
