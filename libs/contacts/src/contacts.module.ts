import { Module } from '@nestjs/common';
import { ContactsVault } from './contacts-vault';

/** Needs ConfigModule and DatabaseModule (both global) in the composing application. */
@Module({ providers: [ContactsVault], exports: [ContactsVault] })
export class ContactsModule {}
