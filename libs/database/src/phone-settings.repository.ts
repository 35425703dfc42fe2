import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ContactMethod, PhoneLabel, PhoneRole } from '@redial/contracts';
import { Db } from './db.types';
import { PrismaService } from './prisma.service';

export type SettingsState = 'active' | 'pending' | 'superseded' | 'rejected';

export interface StoredPhone {
  role: PhoneRole;
  position: number;
  e164: string;
  country: string;
  method: ContactMethod;
  label?: PhoneLabel;
  extension?: string;
  lineType?: string;
}

export interface StoredSettings {
  id: string;
  userId: string;
  state: SettingsState;
  challengeId?: string;
  createdAt: Date;
  activatedAt?: Date;
  phones: StoredPhone[];
}

/** Phone settings in and out as plain objects. Decisions about them live in the services. */
@Injectable()
export class PhoneSettingsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findCurrent(userId: string, db: Db = this.prisma.client): Promise<{ active?: StoredSettings; pending?: StoredSettings }> {
    const rows = await db.phoneSettings.findMany({
      where: { userId, state: { in: ['active', 'pending'] } },
      include: { phones: { orderBy: { position: 'asc' } } },
    });
    const out: { active?: StoredSettings; pending?: StoredSettings } = {};
    for (const row of rows) out[row.state as 'active' | 'pending'] = toSettings(row);
    return out;
  }

  async findById(id: string, db: Db = this.prisma.client): Promise<StoredSettings | undefined> {
    const row = await db.phoneSettings.findUnique({ where: { id }, include: { phones: { orderBy: { position: 'asc' } } } });
    return row ? toSettings(row) : undefined;
  }

  /** Stores a new pending version, superseding any earlier pending one. The active version is untouched. */
  async savePending(userId: string, phones: StoredPhone[], db: Db = this.prisma.client): Promise<StoredSettings> {
    await db.user.upsert({ where: { id: userId }, create: { id: userId }, update: {} });
    await db.phoneSettings.updateMany({ where: { userId, state: 'pending' }, data: { state: 'superseded' } });
    const id = randomUUID();
    const row = await db.phoneSettings.create({
      data: {
        id,
        userId,
        state: 'pending',
        phones: {
          create: phones.map((p) => ({
            id: randomUUID(),
            role: p.role,
            position: p.position,
            e164: p.e164,
            country: p.country,
            method: p.method,
            label: p.label ?? null,
            extension: p.extension ?? null,
            lineType: p.lineType ?? null,
          })),
        },
      },
      include: { phones: { orderBy: { position: 'asc' } } },
    });
    return toSettings(row);
  }

  async attachChallenge(settingsId: string, challengeId: string, db: Db = this.prisma.client): Promise<void> {
    await db.phoneSettings.update({ where: { id: settingsId }, data: { challengeId } });
  }

  /** Makes a pending version active; the previous active one becomes superseded. False if it was no longer pending. */
  async activate(settingsId: string, db: Db, now: Date): Promise<boolean> {
    const settings = await db.phoneSettings.findUnique({ where: { id: settingsId } });
    if (!settings || settings.state !== 'pending') return false;
    await db.phoneSettings.updateMany({ where: { userId: settings.userId, state: 'active' }, data: { state: 'superseded' } });
    await db.phoneSettings.update({ where: { id: settingsId }, data: { state: 'active', activatedAt: now } });
    return true;
  }

  async reject(settingsId: string, db: Db): Promise<void> {
    await db.phoneSettings.updateMany({ where: { id: settingsId, state: 'pending' }, data: { state: 'rejected' } });
  }
}

type SettingsRow = {
  id: string;
  userId: string;
  state: string;
  challengeId: string | null;
  createdAt: Date;
  activatedAt: Date | null;
  phones: Array<{ role: string; position: number; e164: string; country: string; method: string; label: string | null; extension: string | null; lineType: string | null }>;
};

function toSettings(row: SettingsRow): StoredSettings {
  return {
    id: row.id,
    userId: row.userId,
    state: row.state as SettingsState,
    challengeId: row.challengeId ?? undefined,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt ?? undefined,
    phones: row.phones.map((p) => ({
      role: p.role as PhoneRole,
      position: p.position,
      e164: p.e164,
      country: p.country,
      method: p.method as ContactMethod,
      label: (p.label ?? undefined) as PhoneLabel | undefined,
      extension: p.extension ?? undefined,
      lineType: p.lineType ?? undefined,
    })),
  };
}
