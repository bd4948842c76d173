import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Actor, ApiTokensService, CreatedToken, CreatedUser, CurrentActor, Roles, TokenSummary, UserSummary, UsersService, actorScope } from '@tiltas/access';
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

export class CreateTokenDto {
  @ApiProperty() @IsString() @MaxLength(128) username!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ default: 90 }) @IsOptional() @IsInt() @Min(1) @Max(730) expiresDays?: number;
}

/** Users and API tokens for administrators (a municipal administrator manages their municipality's). */
@ApiTags('access')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('api')
export class AccessAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: ApiTokensService,
  ) {}

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

  @Get('tokens')
  @ApiOperation({ summary: 'List API tokens (never their secrets)' })
  listTokens(@CurrentActor() actor: Actor): Promise<TokenSummary[]> {
    return this.tokens.list(actorScope(actor));
  }

  @Post('tokens')
  @ApiOperation({ summary: 'Create an API token for a user; the token is returned once' })
  createToken(@CurrentActor() actor: Actor, @Body() body: CreateTokenDto): Promise<CreatedToken> {
    return this.tokens.create(body, actorScope(actor));
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API token' })
  async revokeToken(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(id, actorScope(actor));
  }
}
