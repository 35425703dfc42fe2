export * from './challenge.repository';
export * from './database-errors';
export * from './database.module';
export * from './migrator';
export * from './phone-settings.repository';
export * from './prisma.service';
export * from './sql.service';
export * from './template-databases';
export { Prisma, PrismaClient } from './generated/client';
