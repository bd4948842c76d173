import { Module } from '@nestjs/common';
import { AccessModule } from '@tiltas/access';
import { AccessAdminController, ApiTokensController } from './access-admin.controller';
import { AuthController } from './auth.controller';
import { SignInPageController } from './sign-in-page.controller';

/** The HTTP edge of @tiltas/access. ApiModule registers the guards globally from the re-exported AccessModule. */
@Module({
  imports: [AccessModule],
  controllers: [AuthController, SignInPageController, AccessAdminController, ApiTokensController],
  exports: [AccessModule],
})
export class AuthHttpModule {}
