import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ChallengeIdParamsSchema,
  type ChallengeView,
  type CheckCodeBody,
  CheckCodeBodySchema,
  type CheckResult,
  type CreateChallengeBody,
  CreateChallengeBodySchema,
  type CreatedChallenge,
} from '@redial/contracts';
import { Auth, type Caller } from '../common/auth.guard';
import { answerOnce, Idempotent, IdempotencyOf, type IdempotentRequest } from '../common/idempotency.guard';
import { CallerOf, ClientIp, RequestId } from '../common/request-context';
import { ValidBody, ValidParams } from '../common/zod-validation.pipe';
import { ChallengesService } from './challenges.service';

type ChallengePath = { id: string };

@Controller('v1/challenges')
export class ChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  /** An operator may start one too (the settings page's "Try a sign-in"); the user's own limit still applies. */
  @Post()
  @Auth('api-key-or-operator')
  @HttpCode(201)
  @Idempotent()
  create(
    @ValidBody(CreateChallengeBodySchema) body: CreateChallengeBody,
    @RequestId() requestId: string,
    @CallerOf() caller: Caller,
    @IdempotencyOf() idempotency?: IdempotentRequest,
  ): Promise<CreatedChallenge> {
    return answerOnce(idempotency, () => this.challenges.create(body, requestId, caller, idempotency));
  }

  @Get(':id')
  @Auth('token')
  get(@ValidParams(ChallengeIdParamsSchema) path: ChallengePath, @CallerOf() caller: Caller, @ClientIp() ip: string): Promise<ChallengeView> {
    return this.challenges.get(path.id, caller, ip);
  }

  @Post(':id/check')
  @Auth('token')
  @HttpCode(200)
  check(@ValidParams(ChallengeIdParamsSchema) path: ChallengePath, @ValidBody(CheckCodeBodySchema) body: CheckCodeBody, @CallerOf() caller: Caller, @ClientIp() ip: string): Promise<CheckResult> {
    return this.challenges.check(path.id, body.code, caller, ip);
  }

  @Post(':id/advance')
  @Auth('token')
  @HttpCode(200)
  advance(@ValidParams(ChallengeIdParamsSchema) path: ChallengePath, @CallerOf() caller: Caller, @ClientIp() ip: string): Promise<ChallengeView> {
    return this.challenges.advance(path.id, caller, ip);
  }

  /** The person may cancel their own verification from the status page, so the challenge token works here too. */
  @Post(':id/cancel')
  @Auth('token')
  @HttpCode(200)
  cancel(@ValidParams(ChallengeIdParamsSchema) path: ChallengePath, @CallerOf() caller: Caller, @ClientIp() ip: string): Promise<ChallengeView> {
    return this.challenges.cancel(path.id, caller, ip);
  }
}
