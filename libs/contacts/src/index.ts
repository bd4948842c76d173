export * from './contact-record';
export * from './contacts-cipher';
export * from './contacts-vault';
export * from './contacts.module';
