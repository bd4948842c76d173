import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { ContactsModule } from '@tiltas/contacts';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { ExtractsQueryService } from './ingest/extracts-query.service';
import { IngestService } from './ingest/ingest.service';
import { RetentionService } from './ingest/retention.service';
import { UploadIngestService } from './ingest/upload-ingest.service';
import { UploadPurgeService } from './ingest/upload-purge.service';
import { UploadStorage } from './ingest/upload-storage';
import { UploadsService } from './ingest/uploads.service';

export interface RegistersModuleOptions {
  /**
   * Also provide ingest and retention (IngestService, UploadIngestService, UploadPurgeService, RetentionService), which need
   * the owner's rights: the worker and the CLI, with DatabaseModule.forRoot({ owner: true }). The api
   * leaves it off and gets the read side and uploads only.
   */
  readonly ingest?: boolean;
}

/** Register extracts. Needs the global ConfigModule, ClockModule, DatabaseModule and QueueModule. */
@Module({})
export class RegistersModule {
  static forRoot(options: RegistersModuleOptions = {}): DynamicModule {
    const ingest = options.ingest
      ? [
          IngestService,
          UploadIngestService,
          UploadPurgeService,
          RetentionService,
        ]
      : [];
    return {
      module: RegistersModule,
      imports: [AuditModule, ContactsModule, ...(options.ingest ? [LawfulBasesModule] : [])],
      providers: [ExtractsQueryService, UploadsService, UploadStorage, ...ingest],
      exports: [ExtractsQueryService, UploadsService, UploadStorage, ...(options.ingest ? [IngestService, UploadIngestService, UploadPurgeService, RetentionService] : [])],
    };
  }
}
