import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ComposedMessage, LETTER_LANGUAGES, LetterTemplatesService, MESSAGE_KINDS, SenderInput, SenderView, TemplateDraft, TemplateView } from '@tiltas/letters';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { COMPOSED_MESSAGE, SENDER_VIEW, TEMPLATE_VIEW, listOf } from '../platform/api-schemas';

/**
 * A coordinator's letters: the templates of their municipality in every kind and language (its own or
 * the national default), saving and resetting them, a preview with sample data, and the sender details
 * letters carry.
 */
@ApiStandardErrors()
@ApiTags('letters')
@Controller('api/letters')
@Roles('COORDINATOR')
export class LetterTemplatesController {
  constructor(private readonly templates: LetterTemplatesService) {}

  @Get('templates')
  @ApiOperation({ summary: 'My municipality\'s templates in every kind and language (its own or the national default)' })
  @ApiJsonResponse(200, 'The templates', listOf(TEMPLATE_VIEW))
  list(@CurrentActor() actor: Actor): Promise<TemplateView[]> {
    return this.templates.list(actor);
  }

  @Put('templates/:kind/:language')
  @ApiOperation({ summary: 'Save my municipality\'s template of a kind and language' })
  @ApiParam({ name: 'kind', enum: [...MESSAGE_KINDS] })
  @ApiParam({ name: 'language', enum: [...LETTER_LANGUAGES] })
  @ApiBody({ schema: { type: 'object', properties: { subject: { type: 'string', nullable: true, description: 'EMAIL only.' }, body: { type: 'string' } } } })
  @ApiJsonResponse(200, 'The template saved', TEMPLATE_VIEW)
  save(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string, @Body() body: TemplateDraft): Promise<TemplateView> {
    return this.templates.save(actor, kind, language, body ?? {});
  }

  /** Back to the national default. */
  @Delete('templates/:kind/:language')
  @ApiOperation({ summary: 'Back to the national default' })
  @ApiParam({ name: 'kind', enum: [...MESSAGE_KINDS] })
  @ApiParam({ name: 'language', enum: [...LETTER_LANGUAGES] })
  @ApiJsonResponse(200, 'The national default now in force', TEMPLATE_VIEW)
  @ApiErrorResponse(404, 'My municipality has no template of its own of that kind and language')
  reset(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string): Promise<TemplateView> {
    return this.templates.reset(actor, kind, language);
  }

  /** The saved template, or the draft in the body, rendered for a sample person. */
  @Post('templates/:kind/:language/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'The saved template, or the draft in the body, rendered for a sample person' })
  @ApiParam({ name: 'kind', enum: [...MESSAGE_KINDS] })
  @ApiParam({ name: 'language', enum: [...LETTER_LANGUAGES] })
  @ApiBody({ schema: { type: 'object', properties: { subject: { type: 'string', nullable: true, description: 'EMAIL only.' }, body: { type: 'string' } } } })
  @ApiJsonResponse(200, 'The rendered message', COMPOSED_MESSAGE)
  preview(@CurrentActor() actor: Actor, @Param('kind') kind: string, @Param('language') language: string, @Body() body: TemplateDraft): Promise<ComposedMessage> {
    return this.templates.preview(actor, kind, language, body ?? {});
  }

  @Get('sender')
  @ApiOperation({ summary: 'The sender details my municipality\'s letters carry' })
  @ApiJsonResponse(200, 'The sender', SENDER_VIEW)
  sender(@CurrentActor() actor: Actor): Promise<SenderView> {
    return this.templates.sender(actor);
  }

  @Put('sender')
  @ApiOperation({ summary: 'Set the sender details' })
  @ApiBody({ schema: { type: 'object', properties: { municipalityName: { type: 'string' }, contactPhone: { type: 'string', nullable: true }, contactEmail: { type: 'string', nullable: true }, officeAddress: { type: 'string', nullable: true } } } })
  @ApiJsonResponse(200, 'The sender saved', SENDER_VIEW)
  saveSender(@CurrentActor() actor: Actor, @Body() body: SenderInput): Promise<SenderView> {
    return this.templates.saveSender(actor, body ?? {});
  }
}
