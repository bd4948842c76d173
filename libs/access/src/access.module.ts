import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@tiltas/audit';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { createRedis } from '@tiltas/queue';
import { ACCESS_REDIS, AccessRedisCloser } from './access-redis';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard, RolesGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { OidcService } from './oidc.service';
import { SessionStore } from './session-store';
import { SignInThrottle } from './sign-in-throttle';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Users, roles, sessions, API tokens and sign-in. Needs ConfigModule, ClockModule and DatabaseModule
 * (global, from the app). The api registers AuthGuard and RolesGuard as global guards, in that order.
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, ApiTokenEntity]), AuditModule],
  providers: [
    { provide: ACCESS_REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config, 'app') },
    AccessRedisCloser,
    UsersRepository,
    UsersService,
    ApiTokensService,
    SessionStore,
    SignInThrottle,
    AuthService,
    OidcService,
    AuthGuard,
    RolesGuard,
  ],
  exports: [UsersService, ApiTokensService, AuthService, OidcService, SessionStore, AuthGuard, RolesGuard],
})
export class AccessModule {}
