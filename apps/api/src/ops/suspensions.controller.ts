import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import {
  type ReleaseSuspensionBody,
  ReleaseSuspensionBodySchema,
  type SuspensionList,
  SuspensionParamsSchema,
  type SuspensionRelease,
} from '@redial/contracts';
import { displayPrefix } from '@redial/domain';
import { PumpingGuard } from '@redial/guard';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { ValidBody, ValidParams } from '../common/zod-validation.pipe';

/** The SMS pumping guard's suspended prefixes, for operators (operator token), and their audited release. */
@Controller('v1/ops/suspensions')
@Auth('operator')
export class SuspensionsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pumping: PumpingGuard,
  ) {}

  @Get()
  async list(): Promise<SuspensionList> {
    const { minSends, conversionFloor, windowMin, prefixDigits } = this.config.pumping;
    const suspensions = (await this.pumping.list()).map((s) => ({
      prefix: s.prefix,
      display: displayPrefix(s.prefix),
      since: s.since.toISOString(),
      sent: s.sent,
      verified: s.verified,
      windowMin: s.windowMin,
    }));
    return { suspensions, thresholds: { minSends, conversionFloor, windowMin, prefixDigits } };
  }

  @Post(':prefix/release')
  @HttpCode(200)
  async release(@ValidParams(SuspensionParamsSchema) path: { prefix: string }, @ValidBody(ReleaseSuspensionBodySchema) body: ReleaseSuspensionBody): Promise<SuspensionRelease> {
    const row = await this.pumping.release(path.prefix, body.operator.trim(), body.note);
    if (!row) throw ApiError.notFound('not_suspended', `Texts to ${displayPrefix(path.prefix)} are not suspended.`);
    const out: SuspensionRelease = {
      id: row.id,
      prefix: row.prefix,
      operator: row.operator,
      releasedAt: row.releasedAt.toISOString(),
      sent: row.sent,
      verified: row.verified,
      windowMin: row.windowMin,
    };
    if (row.note !== null) out.note = row.note;
    if (row.suspendedAt !== null) out.suspendedAt = row.suspendedAt.toISOString();
    return out;
  }
}
