import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Language, Role, UserKind } from './roles';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  username!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text')
  role!: Role;

  /** PERSON signs in; SERVICE is a machine client's account, used only through its API tokens. */
  @Column('text', { default: 'PERSON' })
  kind!: UserKind;

  @Column('text', { nullable: true })
  municipality!: string | null;

  @Column('text', { name: 'password_hash', nullable: true })
  passwordHash!: string | null;

  @Column('text', { name: 'oidc_issuer', nullable: true })
  oidcIssuer!: string | null;

  @Column('text', { name: 'oidc_subject', nullable: true })
  oidcSubject!: string | null;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  @Column('text')
  language!: Language;

  @Column('integer', { name: 'caseload_limit', nullable: true })
  caseloadLimit!: number | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_signed_in_at', nullable: true })
  lastSignedInAt!: Date | null;
}
