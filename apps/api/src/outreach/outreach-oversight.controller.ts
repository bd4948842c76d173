import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, NationalOnly, Roles } from '@tiltas/access';
import { CaseWorkService, ContactRevealService, RevealVolume } from '@tiltas/outreach';
import { OptOutQueryDto, RevealVolumeQueryDto } from './outreach.dto';

/** Oversight of case work: reveal volumes for auditors, national opt-outs for administrators. */
@ApiTags('outreach: oversight')
@ApiCookieAuth()
@Controller('api/outreach')
export class OutreachOversightController {
  constructor(
    private readonly work: CaseWorkService,
    private readonly reveals: ContactRevealService,
  ) {}

  @Get('reveals/volume')
  @Roles('AUDITOR', 'ADMIN')
  @ApiOperation({ summary: 'Contact reveals per worker over a period, with unusual volumes flagged and why' })
  volume(@CurrentActor() actor: Actor, @Query() query: RevealVolumeQueryDto): Promise<RevealVolume> {
    return this.reveals.volume(actor, query.from, query.to);
  }

  @Get('opt-outs')
  @Roles('ADMIN')
  @NationalOnly('Reading the national opt-outs')
  @ApiOperation({ summary: 'National opt-outs (subject pseudonyms only)' })
  optOuts(@CurrentActor() actor: Actor, @Query() query: OptOutQueryDto) {
    const state = query.state ?? 'active';
    return this.work.listOptOuts(actor, state === 'all' ? null : state === 'active');
  }

  @Post('opt-outs/:id/withdraw')
  @HttpCode(200)
  @Roles('ADMIN')
  @NationalOnly('Recording the withdrawal of an opt-out')
  @ApiOperation({ summary: 'Record that the person withdrew their opt-out: later runs may list them again' })
  withdraw(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number): Promise<{ id: number; withdrawn: true }> {
    return this.work.withdrawOptOut(actor, id);
  }
}
