import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ContactMethod, PhoneLabel, PhoneRole } from '@redial/contracts';
import { isUuid } from '@redial/domain';
import { valuesList } from './sql-columns';
import { Sql, SqlService, Tx } from './sql.service';

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
  /** When this phone last approved a verification; absent until it has. */
  verifiedAt?: Date;
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

const SETTINGS_COLUMNS = `ps.id, ps.user_id AS "userId", ps.state, ps.challenge_id AS "challengeId", ps.created_at AS "createdAt", ps.activated_at AS "activatedAt",
  (SELECT coalesce(json_agg(p ORDER BY p.position), '[]') FROM (
     SELECT role, position, e164, country, method, label, extension, line_type AS "lineType", verified_at AS "verifiedAt" FROM phones WHERE settings_id = ps.id) p) AS phones`;

/** Phone settings in and out as plain objects. Decisions about them live in the services. */
@Injectable()
export class PhoneSettingsRepository {
  constructor(private readonly sql: SqlService) {}

  async findCurrent(userId: string): Promise<{ active?: StoredSettings; pending?: StoredSettings }> {
    const rows = await this.sql.query<SettingsRow>(`SELECT ${SETTINGS_COLUMNS} FROM phone_settings ps WHERE ps.user_id = $1 AND ps.state IN ('active', 'pending')`, [userId]);
    const out: { active?: StoredSettings; pending?: StoredSettings } = {};
    for (const row of rows) out[row.state as 'active' | 'pending'] = toSettings(row);
    return out;
  }

  async findById(id: string): Promise<StoredSettings | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.sql.query<SettingsRow>(`SELECT ${SETTINGS_COLUMNS} FROM phone_settings ps WHERE ps.id = $1`, [id]);
    return row ? toSettings(row) : undefined;
  }

  /** Stores a new pending version, superseding any earlier pending one. The active version is untouched. */
  async savePending(userId: string, phones: StoredPhone[]): Promise<StoredSettings> {
    const settings = newPendingSettings(userId, phones);
    await this.sql.transaction((tx) => this.writePending(tx, settings));
    return (await this.findById(settings.id)) as StoredSettings;
  }

  /**
   * savePending's writes on an open transaction — the one that creates the settings' verification challenge
   * (libs/engine), with its id — issued together (one round trip).
   */
  async writePending(tx: Tx, settings: StoredSettings): Promise<void> {
    const { id, userId } = settings;
    const rows = valuesList(settings.phones.map((p) => [randomUUID(), id, p.role, p.position, p.e164, p.country, p.method, p.label ?? null, p.extension ?? null, p.lineType ?? null, p.verifiedAt ?? null]));
    await Promise.all([
      // DO UPDATE (not DO NOTHING) locks the user's row: saves for one user run one after the other, each
      // superseding the pending version before it, instead of the second tripping the one-pending index.
      tx.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id', [userId]),
      tx.query(`UPDATE phone_settings SET state = 'superseded' WHERE user_id = $1 AND state = 'pending'`, [userId]),
      tx.query(`INSERT INTO phone_settings (id, user_id, state, challenge_id) VALUES ($1, $2, 'pending', $3)`, [id, userId, settings.challengeId ?? null]),
      tx.query(`INSERT INTO phones (id, settings_id, role, position, e164, country, method, label, extension, line_type, verified_at) VALUES ${rows.sql}`, rows.values),
    ]);
  }

  async attachChallenge(settingsId: string, challengeId: string): Promise<void> {
    await this.sql.query('UPDATE phone_settings SET challenge_id = $2 WHERE id = $1', [settingsId, challengeId]);
  }

  /** Makes a pending version active; the previous active one becomes superseded. False if it was no longer pending. */
  async activate(settingsId: string, db: Sql, now: Date): Promise<boolean> {
    const [settings] = await db.query<{ userId: string; state: string }>('SELECT user_id AS "userId", state FROM phone_settings WHERE id = $1 FOR UPDATE', [settingsId]);
    if (!settings || settings.state !== 'pending') return false;
    await db.query(`UPDATE phone_settings SET state = 'superseded' WHERE user_id = $1 AND state = 'active'`, [settings.userId]);
    await db.query(`UPDATE phone_settings SET state = 'active', activated_at = $2 WHERE id = $1`, [settingsId, now]);
    return true;
  }

  /**
   * Records that a phone (its number and extension) approved a verification: on the user's active and pending
   * settings alike, so a version saved while the verification ran does not lose it.
   */
  async markVerified(userId: string, phone: { e164: string; extension: string | null }, at: Date, db: Sql): Promise<void> {
    await db.query(
      `UPDATE phones p SET verified_at = $4 FROM phone_settings ps
       WHERE p.settings_id = ps.id AND ps.user_id = $1 AND ps.state IN ('active', 'pending') AND p.e164 = $2 AND p.extension IS NOT DISTINCT FROM $3`,
      [userId, phone.e164, phone.extension, at],
    );
  }

  async reject(settingsId: string, db: Sql): Promise<void> {
    await db.query(`UPDATE phone_settings SET state = 'rejected' WHERE id = $1 AND state = 'pending'`, [settingsId]);
  }
}

/** A new pending version of a user's phones, not stored yet (writePending, savePending). */
export function newPendingSettings(userId: string, phones: StoredPhone[]): StoredSettings {
  return { id: randomUUID(), userId, state: 'pending', createdAt: new Date(), phones };
}

type SettingsRow = {
  id: string;
  userId: string;
  state: string;
  challengeId: string | null;
  createdAt: Date;
  activatedAt: Date | null;
  phones: Array<{
    role: string;
    position: number;
    e164: string;
    country: string;
    method: string;
    label: string | null;
    extension: string | null;
    lineType: string | null;
    /** JSON: the timestamp as text. */
    verifiedAt: string | null;
  }>;
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
      verifiedAt: p.verifiedAt ? new Date(p.verifiedAt) : undefined,
    })),
  };
}
