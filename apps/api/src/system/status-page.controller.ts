import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SystemStatusService } from './system-status.service';
import { Public } from '@tiltas/access';

@ApiExcludeController()
@Public()
@Controller()
export class StatusPageController {
  constructor(private readonly status: SystemStatusService) {}

  @Get('status')
  @Render('status')
  async page() {
    const [checks, queues] = await Promise.all([this.status.checks(), this.status.queues().catch(() => [])]);
    return { title: 'System status', checks, queues, demoSecrets: this.status.demoSecrets };
  }
}
