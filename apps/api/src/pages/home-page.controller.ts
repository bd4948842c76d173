import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor } from '@tiltas/access';
import type { Response } from 'express';
import { HOME_OF } from './page-render';

/** The start page is the role's own first page: a worker's queue, an auditor's log, and so on. */
@ApiExcludeController()
@Controller()
export class HomePageController {
  @Get()
  home(@CurrentActor() actor: Actor, @Res() res: Response): void {
    res.redirect(303, HOME_OF[actor.role]);
  }
}
