import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor } from '@tiltas/access';
import type { Response } from 'express';
import { renderPage } from '../pages/page-render';
import { SystemStatusService } from './system-status.service';

/**
 * Whether this Tiltas can work right now: services, queues, demo secrets. For anyone signed in (it tells
 * an outsider which services run and how busy they are); rendered as every other page, with the
 * signed-in person's language and menu.
 */
@ApiExcludeController()
@Controller()
export class StatusPageController {
  constructor(private readonly status: SystemStatusService) {}

  @Get('status')
  async page(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const [checks, queues] = await Promise.all([this.status.checks(), this.status.queues().catch(() => [])]);
    renderPage(res, actor, 'status', 'system.title', { checks, queues, demoSecrets: this.status.demoSecrets });
  }
}
