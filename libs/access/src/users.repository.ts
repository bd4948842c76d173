import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatabaseService } from '@tiltas/database';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity';
import { UserEntity } from './user.entity';

/** The columns of a user that make its actor, and whether it may still act. */
export type SessionUser = Pick<UserEntity, 'id' | 'username' | 'role' | 'kind' | 'municipality' | 'language' | 'disabledAt'>;

/** Users and tokens by the questions the services ask. Users carry no row-level security: see the migration. */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
  ) {}

  private users(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(UserEntity);
  }

  private tokens(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ApiTokenEntity);
  }

  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users(manager).findOne({ where: { id } });
  }

  /**
   * What a signed-in request needs of its user, asked on every request: a prepared statement of the
   * columns the actor is made of (not the password hash), planned once per pooled connection.
   */
  async findSessionUser(id: string): Promise<SessionUser | null> {
    const rows = await this.db.prepared<SessionUser>(
      'access.session-user',
      `SELECT id, username, role, kind, municipality, language, disabled_at AS "disabledAt" FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByUsername(username: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users(manager)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  findByOidcIdentity(issuer: string, subject: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users(manager).findOne({ where: { oidcIssuer: issuer, oidcSubject: subject } });
  }

  /** All users, or one municipality's (municipal administrators manage only their own). */
  list(municipality: string | null, manager?: EntityManager): Promise<UserEntity[]> {
    return this.users(manager).find({ where: municipality ? { municipality } : {}, order: { role: 'ASC', username: 'ASC' } });
  }

  insert(user: UserEntity, manager: EntityManager): Promise<UserEntity> {
    return this.users(manager).save(user);
  }

  async update(id: string, changes: Partial<UserEntity>, manager: EntityManager): Promise<void> {
    await this.users(manager).update({ id }, changes);
  }

  insertToken(token: ApiTokenEntity, manager: EntityManager): Promise<ApiTokenEntity> {
    return this.tokens(manager).save(token);
  }

  findToken(id: string, manager?: EntityManager): Promise<ApiTokenEntity | null> {
    return this.tokens(manager).findOne({ where: { id } });
  }

  /** Marks a token revoked; false when it was already revoked (or does not exist). */
  async revokeToken(id: string, at: Date, manager: EntityManager): Promise<boolean> {
    const result = await this.tokens(manager).update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  async markTokenUsed(id: string, at: Date): Promise<void> {
    // Once a minute at most: a busy machine client should not write a row per request.
    await this.dataSource.query(
      `UPDATE api_token SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, at],
    );
  }

  listTokens(userId: string | null, manager?: EntityManager): Promise<ApiTokenEntity[]> {
    return this.tokens(manager).find({ where: userId ? { userId } : {}, order: { createdAt: 'DESC' } });
  }
}
