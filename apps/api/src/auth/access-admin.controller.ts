import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
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

export class AddUserDto {
  @ApiProperty() @IsString() @MaxLength(128) username!: string;
  @ApiProperty({ enum: ['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN'] }) @IsString() role!: string;
  @ApiPropertyOptional({ example: 'LT-57' }) @IsOptional() @IsString() municipality?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;
  @ApiPropertyOptional({ description: 'Omitted: generated and returned once' }) @IsOptional() @IsString() @MaxLength(1024) password?: string;
  @ApiPropertyOptional({ enum: ['lt', 'en'] }) @IsOptional() @IsIn(['lt', 'en']) language?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100000) caseloadLimit?: number;
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
  @ApiPropertyOptional({ default: 90 }) @IsOptional() @IsInt() @Min(1) @Max(730) expiresDays?: number;
}

/** Users and service accounts for administrators (a municipal administrator manages their municipality's). */
@ApiTags('access')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('api')
export class AccessAdminController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @ApiOperation({ summary: 'List users' })
  listUsers(@CurrentActor() actor: Actor): Promise<UserSummary[]> {
    return this.users.listUsers(actorScope(actor));
  }

  @Post('users')
  @ApiOperation({ summary: 'Add a user; a generated password is returned once' })
  addUser(@CurrentActor() actor: Actor, @Body() body: AddUserDto): Promise<CreatedUser> {
    return this.users.addUser(body, actorScope(actor));
  }

  @Post('users/:username/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a user and end their sessions' })
  disableUser(@CurrentActor() actor: Actor, @Param('username') username: string): Promise<UserSummary> {
    return this.users.disableUser(username, actorScope(actor));
  }

  @Post('users/:username/unlock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a sign-in lockout before it runs out; says whether the account was locked' })
  unlockUser(@CurrentActor() actor: Actor, @Param('username') username: string): Promise<{ user: UserSummary; wasLocked: boolean }> {
    return this.users.unlockSignIn(username, actorScope(actor));
  }

  @Post('service-accounts')
  @ApiOperation({ summary: 'Add a service account (AUDITOR or ADMIN, no sign-in) for a machine client; then create its token' })
  addServiceAccount(@CurrentActor() actor: Actor, @Body() body: AddServiceAccountDto): Promise<UserSummary> {
    return this.users.addServiceAccount(body, actorScope(actor));
  }
}

/**
 * API tokens. Anyone signed in creates, lists and revokes their own; an administrator creates tokens for
 * service accounts and lists and revokes the tokens of their scope. The service decides who may.
 */
@ApiTags('access')
@ApiBearerAuth()
@Controller('api/tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Get()
  @ApiOperation({ summary: 'List API tokens (never their secrets): your own, or an administrator’s scope' })
  listTokens(@CurrentAuth() auth: RequestAuth): Promise<TokenSummary[]> {
    return this.tokens.list(signedInRequester(auth.actor, auth.method));
  }

  @Post()
  @ApiOperation({ summary: 'Create an API token, returned once: your own (signed in), or a service account’s (administrators)' })
  createToken(@CurrentAuth() auth: RequestAuth, @Body() body: CreateTokenDto): Promise<CreatedToken> {
    return this.tokens.create(body, signedInRequester(auth.actor, auth.method));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API token: your own, or one of your scope (administrators)' })
  async revokeToken(@CurrentAuth() auth: RequestAuth, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(id, signedInRequester(auth.actor, auth.method));
  }
}
