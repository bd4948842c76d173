import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  Actor,
  ApiTokensService,
  CreatedToken,
  CreatedUser,
  CurrentActor,
  CurrentAuth,
  RequestAuth,
  Roles,
  SERVICE_ACCOUNT_ROLES,
  TokenSummary,
  UserSummary,
  UsersService,
  actorScope,
  signedInRequester,
} from '@tiltas/access';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { CREATED_TOKEN, CREATED_USER, TOKEN_SUMMARY, UNLOCK_RESULT, USER_SUMMARY, listOf } from '../platform/api-schemas';

export class AddUserDto {
  @ApiProperty() @IsString() @MaxLength(128) username!: string;
  @ApiProperty({ enum: ['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN'] }) @IsString() role!: string;
  @ApiPropertyOptional({ example: 'LT-57' }) @IsOptional() @IsString() municipality?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional({ description: 'Omitted: generated and returned once' }) @IsOptional() @IsString() @MaxLength(1024) password?: string;
  @ApiPropertyOptional({ enum: ['lt', 'en'] }) @IsOptional() @IsIn(['lt', 'en']) language?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 100000 }) @IsOptional() @IsInt() @Min(0) @Max(100000) caseloadLimit?: number;
}

export class AddServiceAccountDto {
  @ApiProperty() @IsString() @MaxLength(128) username!: string;
  @ApiProperty({ enum: SERVICE_ACCOUNT_ROLES }) @IsString() role!: string;
  @ApiPropertyOptional({ example: 'LT-57', description: 'Omitted: national' }) @IsOptional() @IsString() municipality?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
}

export class CreateTokenDto {
  @ApiPropertyOptional({ description: 'A service account (administrators); omitted: your own token' }) @IsOptional() @IsString() @MaxLength(128) username?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 730, default: 90 }) @IsOptional() @IsInt() @Min(1) @Max(730) expiresDays?: number;
}

/** Users and service accounts for administrators (a municipal administrator manages their municipality's). */
@ApiStandardErrors()
@ApiTags('access')
@Roles('ADMIN')
@Controller('api')
export class AccessAdminController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @ApiOperation({ summary: 'List users' })
  @ApiJsonResponse(200, 'The users', listOf(USER_SUMMARY))
  listUsers(@CurrentActor() actor: Actor): Promise<UserSummary[]> {
    return this.users.listUsers(actorScope(actor));
  }

  @Post('users')
  @ApiOperation({ summary: 'Add a user; a generated password is returned once' })
  @ApiJsonResponse(201, 'The user, with the generated password when none was given', CREATED_USER)
  @ApiErrorResponse(409, 'A user of that name exists already')
  addUser(@CurrentActor() actor: Actor, @Body() body: AddUserDto): Promise<CreatedUser> {
    return this.users.addUser(body, actorScope(actor));
  }

  @Post('users/:username/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a user and end their sessions' })
  @ApiJsonResponse(200, 'The user, disabled (a user disabled already stays so)', USER_SUMMARY)
  @ApiErrorResponse(404, 'No such user in my scope')
  disableUser(@CurrentActor() actor: Actor, @Param('username') username: string): Promise<UserSummary> {
    return this.users.disableUser(username, actorScope(actor));
  }

  @Post('users/:username/unlock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a sign-in lockout before it runs out; says whether the account was locked' })
  @ApiJsonResponse(200, 'The user, and whether a lockout was lifted', UNLOCK_RESULT)
  @ApiErrorResponse(404, 'No such user in my scope')
  unlockUser(@CurrentActor() actor: Actor, @Param('username') username: string): Promise<{ user: UserSummary; wasLocked: boolean }> {
    return this.users.unlockSignIn(username, actorScope(actor));
  }

  @Post('service-accounts')
  @ApiOperation({ summary: 'Add a service account (AUDITOR or ADMIN, no sign-in) for a machine client; then create its token' })
  @ApiJsonResponse(201, 'The service account', USER_SUMMARY)
  @ApiErrorResponse(409, 'A user of that name exists already')
  addServiceAccount(@CurrentActor() actor: Actor, @Body() body: AddServiceAccountDto): Promise<UserSummary> {
    return this.users.addServiceAccount(body, actorScope(actor));
  }
}

/**
 * API tokens. Anyone signed in creates, lists and revokes their own; an administrator creates tokens for
 * service accounts and lists and revokes the tokens of their scope. The service decides who may.
 */
@ApiStandardErrors()
@ApiTags('access')
@Controller('api/tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Get()
  @ApiOperation({ summary: 'List API tokens (never their secrets): your own, or an administrator’s scope' })
  @ApiJsonResponse(200, 'The tokens', listOf(TOKEN_SUMMARY))
  listTokens(@CurrentAuth() auth: RequestAuth): Promise<TokenSummary[]> {
    return this.tokens.list(signedInRequester(auth.actor, auth.method));
  }

  @Post()
  @ApiOperation({ summary: 'Create an API token, returned once: your own (signed in), or a service account’s (administrators)' })
  @ApiJsonResponse(201, 'The token, shown this once', CREATED_TOKEN)
  @ApiErrorResponse(404, 'No such user in my scope')
  @ApiErrorResponse(409, 'The user is disabled')
  createToken(@CurrentAuth() auth: RequestAuth, @Body() body: CreateTokenDto): Promise<CreatedToken> {
    return this.tokens.create(body, signedInRequester(auth.actor, auth.method));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API token: your own, or one of your scope (administrators)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrorResponse(404, 'No such token in my scope')
  @ApiErrorResponse(409, 'Revoked already')
  async revokeToken(@CurrentAuth() auth: RequestAuth, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(id, signedInRequester(auth.actor, auth.method));
  }
}
