import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ATTEMPT_RESULTS,
  CHANNELS,
  OUTCOMES,
  REFERRAL_STATUSES,
  REJECT_REASONS,
  SERVICE_KINDS,
  WRONG_REGISTERS,
  type AttemptResult,
  type Channel,
  type Outcome,
  type ReferralStatus,
  type RejectReason,
  type ServiceKind,
  type WrongRegister,
} from '@tiltas/outreach';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { INT4_MAX, INT8_JSON_MAX } from '../platform/api-docs';

const MUNICIPALITY = /^LT-(0[1-9]|[1-5][0-9]|60)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class VersionDto {
  @ApiPropertyOptional({ description: 'The case version you read; a changed case answers 409 instead of being overwritten.', example: 3, type: 'integer', minimum: 1, maximum: INT4_MAX })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  version?: number;
}

export class RequiredVersionDto {
  @ApiProperty({ description: 'The case version you read; a changed case (claimed, reassigned) answers 409.', example: 1, type: 'integer', minimum: 1, maximum: INT4_MAX })
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  version!: number;
}

export class AssignDto extends RequiredVersionDto {
  @ApiProperty({ description: 'An enabled worker or coordinator of the case\'s municipality.', format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class RevealDto {
  @ApiProperty({ description: 'Why the contact is needed now (logged with the reveal).', example: 'first phone call about the invitation', minLength: 3, maxLength: 300 })
  @IsString()
  @Length(3, 300)
  purpose!: string;
}

export class AttemptDto extends VersionDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiProperty({ enum: ATTEMPT_RESULTS })
  @IsIn(ATTEMPT_RESULTS)
  result!: AttemptResult;

  @ApiPropertyOptional({ description: 'When it happened (ISO 8601); now when absent; never in the future.', example: '2026-10-01T09:30:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  attemptedAt?: string;

  @ApiPropertyOptional({ description: 'A short working note; never logged.', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @ApiPropertyOptional({ description: 'The next attempt date (YYYY-MM-DD, today or later); absent keeps the case due.', example: '2026-10-05' })
  @IsOptional()
  @Matches(DATE, { message: 'nextAttemptOn must be YYYY-MM-DD' })
  nextAttemptOn?: string;
}

export class ScheduleDto extends VersionDto {
  @ApiProperty({ description: 'YYYY-MM-DD, today or later; null to make the case due now.', nullable: true, example: '2026-10-05', type: String })
  @IsOptional()
  @Matches(DATE, { message: 'on must be YYYY-MM-DD' })
  on!: string | null;
}

export class CloseDto extends VersionDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome!: Outcome;

  @ApiPropertyOptional({ description: 'Required for NOT_ELIGIBLE (feedback on the criterion); a short note otherwise. Never logged.', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ description: 'MOVED_AWAY: the municipality the person moved to; the case is handed over there.', example: 'LT-13' })
  @IsOptional()
  @Matches(MUNICIPALITY, { message: 'toMunicipality must be LT-01…LT-60' })
  toMunicipality?: string;

  @ApiPropertyOptional({ enum: WRONG_REGISTERS, description: 'NOT_ELIGIBLE: the register the finding contradicts, or NONE when the registers were right and the criterion missed something.' })
  @IsOptional()
  @IsIn(WRONG_REGISTERS)
  wrongRegister?: WrongRegister;
}

export class HandOverDto extends RequiredVersionDto {
  @ApiProperty({ example: 'LT-13' })
  @Matches(MUNICIPALITY, { message: 'toMunicipality must be LT-01…LT-60' })
  toMunicipality!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ReferDto {
  @ApiProperty({ description: 'A service of the case municipality\'s directory.', example: 1, type: 'integer', minimum: 1, maximum: INT8_JSON_MAX })
  @IsInt()
  @Min(1)
  @Max(INT8_JSON_MAX)
  serviceId!: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ReferralStatusDto {
  @ApiProperty({ enum: REFERRAL_STATUSES, description: 'SENT → ACCEPTED → STARTED → COMPLETED, or REJECTED on the way.' })
  @IsIn(REFERRAL_STATUSES)
  status!: ReferralStatus;

  @ApiPropertyOptional({ enum: REJECT_REASONS, description: 'Required with REJECTED, refused with any other status.' })
  @IsOptional()
  @IsIn(REJECT_REASONS)
  rejectReason?: RejectReason;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @ApiPropertyOptional({ description: 'The referral version you read.', type: 'integer', minimum: 1, maximum: INT4_MAX })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  version?: number;
}

export class NewServiceDto {
  @ApiProperty({ enum: SERVICE_KINDS })
  @IsIn(SERVICE_KINDS)
  kind!: ServiceKind;

  @ApiProperty({ example: 'Užimtumo tarnyba, Vilniaus skyrius', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'The organisation\'s public contact (a desk, a switchboard).', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  contact?: string;

  @ApiPropertyOptional({ type: [String], description: 'Criterion ids of the cohorts the service takes; empty or absent: any.', example: ['neet-youth'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  cohorts?: string[];
}

export class ServiceChangesDto {
  @ApiPropertyOptional({ enum: SERVICE_KINDS })
  @IsOptional()
  @IsIn(SERVICE_KINDS)
  kind?: ServiceKind;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  contact?: string;

  @ApiPropertyOptional({ type: [String], description: 'Criterion ids of the cohorts the service takes; empty or absent: any.', example: ['neet-youth'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  cohorts?: string[];

  @ApiPropertyOptional({ description: 'false retires the service: out of the referral choices (referrals to it stay).' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ description: 'The service version you read.', type: 'integer', minimum: 1, maximum: INT4_MAX })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  version?: number;
}

export class QueueQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class PartnerReferralsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class CaseListQueryDto {
  @ApiPropertyOptional({ enum: ['OPEN', 'NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED'] })
  @IsOptional()
  @IsIn(['OPEN', 'NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED'])
  status?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Coordinators: one holder\'s cases.' })
  @IsOptional()
  @IsUUID()
  assignedTo?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: INT4_MAX, default: 0, description: 'Cases to skip; past the last case the page is empty.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  offset?: number;
}

export class RevealVolumeQueryDto {
  @ApiPropertyOptional({ example: '2026-09-01', description: 'First day (UTC); 30 days before `to` when absent.' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-10-01', description: 'Last day (UTC); today when absent.' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be YYYY-MM-DD' })
  to?: string;
}

export class OptOutQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'withdrawn', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'withdrawn', 'all'])
  state?: 'active' | 'withdrawn' | 'all';
}

export class ServiceTokenDto {
  @ApiProperty({ description: 'Whose system the token is for.', example: 'Jaunimo centras case system', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 730, description: 'Days until it expires, 1–730.', example: 90 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(730)
  expiresDays?: number;
}

export class ServicesQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'true lists inactive services too.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  all?: 'true' | 'false';
}
