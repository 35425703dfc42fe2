import { Module } from '@nestjs/common';
import { ChallengeRepository } from './challenge.repository';
import { ChallengeEventsRepository } from './challenge-events.repository';
import { IdempotencyKeyRepository } from './idempotency-key.repository';
import { PhoneSettingsRepository } from './phone-settings.repository';
import { PrismaService } from './prisma.service';
import { SqlService } from './sql.service';

const repositories = [PrismaService, SqlService, PhoneSettingsRepository, ChallengeRepository, IdempotencyKeyRepository, ChallengeEventsRepository];

/** PostgreSQL: Prisma and plain SQL, and the repositories over them. Needs ConfigModule.forRoot(config) in the app. */
@Module({ providers: repositories, exports: repositories })
export class DatabaseModule {}
