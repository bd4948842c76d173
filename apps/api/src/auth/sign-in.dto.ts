import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class SignInDto {
  @ApiProperty({ example: 'demo-worker-lt57' })
  @IsString()
  @MaxLength(128)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

/** The sign-in page's form: also where to go afterwards. */
export class SignInFormDto extends SignInDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;

  /** Sent only when the person chose a language on the sign-in page: it becomes theirs. */
  @IsOptional()
  @IsIn(['lt', 'en'])
  language?: 'lt' | 'en';
}
