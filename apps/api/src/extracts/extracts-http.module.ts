import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { RegistersModule } from '@tiltas/registers';
import { ExtractsController } from './extracts.controller';
import { uploadStorageOptions } from './extracts-upload.storage';

/** The HTTP edge of register extracts (uploads, status, listings). The api has no owner rights: no ingest here. */
@Module({
  imports: [
    RegistersModule.forRoot(),
    MulterModule.registerAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => uploadStorageOptions(config) }),
  ],
  controllers: [ExtractsController],
})
export class ExtractsHttpModule {}
