import { Global, Module } from '@nestjs/common';
import { ChallengeRepository } from './challenge.repository';
import { PhoneSettingsRepository } from './phone-settings.repository';
import { PrismaService } from './prisma.service';
import { SqlService } from './sql.service';

const repositories = [PrismaService, SqlService, PhoneSettingsRepository, ChallengeRepository];

@Global()
@Module({ providers: repositories, exports: repositories })
export class DatabaseModule {}
