import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { ComposedMessage, LetterTemplatesService, SenderInput, SenderView, TemplateDraft, TemplateView } from '@tiltas/letters';

/**
 * A coordinator's letters: the templates of their municipality in every kind and language (its own or
 * the national default), saving and resetting them, a preview with sample data, and the sender details
 * letters carry.
 */
@Controller('api/letters')
@Roles('COORDINATOR')
export class LetterTemplatesController {
  constructor(private readonly templates: LetterTemplatesService) {}

  @Get('templates')
  list(@CurrentActor() actor: Actor): Promise<TemplateView[]> {
    return this.templates.list(actor);
  }

  @Put('templates/:kind/:language')
  save(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string, @Body() body: TemplateDraft): Promise<TemplateView> {
    return this.templates.save(actor, kind, language, body ?? {});
  }

  /** Back to the national default. */
  @Delete('templates/:kind/:language')
  reset(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string): Promise<TemplateView> {
    return this.templates.reset(actor, kind, language);
  }

  /** The saved template, or the draft in the body, rendered for a sample person. */
  @Post('templates/:kind/:language/preview')
  @HttpCode(200)
  preview(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string, @Body() body: TemplateDraft): Promise<ComposedMessage> {
    return this.templates.preview(actor, kind, language, body ?? {});
  }

  @Get('sender')
  sender(@CurrentActor() actor: Actor): Promise<SenderView> {
    return this.templates.sender(actor);
  }

  @Put('sender')
  saveSender(@CurrentActor() actor: Actor, @Body() body: SenderInput): Promise<SenderView> {
    return this.templates.saveSender(actor, body ?? {});
  }
}
